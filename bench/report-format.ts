/** Number formatting and Markdown tables shared by the sections of BENCHMARKS.md. */
import type { CpuUse } from './cpu';
import type { ClosedLoopResult } from './protocol';

export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const dec = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
export const msf = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
export const pct = (n: number) => `${dec(n, 0)} %`;
export const yes = (ok: boolean) => (ok ? '✅ met' : '❌ not met');

export const perSecond = (r: ClosedLoopResult) => ({
  events: r.events / (r.elapsedMs / 1000),
  requests: r.requests / (r.elapsedMs / 1000),
});

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** CPU time per event in µs, from a group's share of a core and the event rate. */
export const cpuPerEvent = (corePercent: number | undefined, eventsPerSecond: number) =>
  corePercent === undefined || eventsPerSecond <= 0 ? NaN : ((corePercent / 100) * 1e6) / eventsPerSecond;

/** CPU used by processes outside the bench's groups (other users of the shared machine), % of one core. */
export function otherCpu(cpu: CpuUse, cores: number): number {
  const known = Object.entries(cpu.groups)
    .filter(([name]) => name !== 'homing main thread')
    .reduce((sum, [, v]) => sum + v, 0);
  return Math.max(0, cpu.systemBusy * cores - known);
}

/** A section between its begin/end markers put into BENCHMARKS.md's text: in place of the previous one, or at the end. */
export function withMarkedSection(markdown: string, section: string, begin: string, end: string): string {
  const a = markdown.indexOf(begin);
  const b = markdown.indexOf(end);
  if (a >= 0 && b > a) return markdown.slice(0, a) + section + markdown.slice(b + end.length);
  return `${markdown.trimEnd()}\n\n${section}\n`;
}
