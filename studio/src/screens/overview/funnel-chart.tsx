/** One funnel row's counts by stage. */
export interface FunnelCounts {
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  undeliverable: number;
}

export const STAGES = [
  { key: 'sent', label: 'Sent' },
  { key: 'delivered', label: 'Delivered' },
  { key: 'opened', label: 'Opened' },
  { key: 'clicked', label: 'Clicked' },
  { key: 'undeliverable', label: 'Undeliverable' },
] as const;

const ROW = 28;
const LABEL_W = 120;
const BAR_W = 220;
const WIDTH = LABEL_W + BAR_W + 60;

/**
 * A horizontal bar per stage, drawn in plain SVG (no chart library: a few
 * rectangles need none). Bars share the row's scale: the sent count, or the
 * undeliverable one when larger. Screen readers get the summary as the
 * image's name; the table beside it has every number.
 */
export function FunnelChart({ title, counts }: { title: string; counts: FunnelCounts }) {
  const max = Math.max(1, ...STAGES.map((s) => counts[s.key]));
  const summary = STAGES.map((s) => `${s.label.toLowerCase()} ${counts[s.key]}`).join(', ');
  return (
    <figure className="funnel">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${STAGES.length * ROW}`} role="img" aria-label={`${title}: ${summary}`} width="100%" preserveAspectRatio="xMinYMin meet">
        {STAGES.map((s, i) => {
          const y = i * ROW;
          const w = (counts[s.key] / max) * BAR_W;
          return (
            <g key={s.key}>
              <text x={0} y={y + ROW / 2} dominantBaseline="middle" className="funnel-label">
                {s.label}
              </text>
              <rect x={LABEL_W} y={y + 5} width={BAR_W} height={ROW - 10} className="funnel-track" />
              <rect x={LABEL_W} y={y + 5} width={w} height={ROW - 10} className={`funnel-bar funnel-${s.key}`} />
              <text x={LABEL_W + BAR_W + 8} y={y + ROW / 2} dominantBaseline="middle" className="funnel-count">
                {counts[s.key]}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
