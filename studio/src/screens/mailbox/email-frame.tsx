/**
 * The policy put first in a stored email's document: no scripts, no fetches,
 * images only inline. The Studio's own policy would let the open pixel (same
 * origin) load, and viewing the mailbox is not the recipient opening the mail.
 */
const EMAIL_CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`;

/** An email's HTML, rendered in a sandboxed srcdoc iframe (no scripts, no same-origin access, no navigation). */
export function EmailFrame({ html, title }: { html: string; title: string }) {
  return <iframe className="email-frame" sandbox="" srcDoc={EMAIL_CSP + html} title={title} />;
}
