/** A timestamp in the reader's locale, machine-readable in dateTime. */
export function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;
}
