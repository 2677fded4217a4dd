import type { ReactNode } from 'react';

/**
 * The Studio's table: a scrolling wrapper, a caption, a row of column headings, and the caller's rows.
 * `label` makes the wrapper a focusable named region, so keyboard users can scroll a wide table sideways.
 */
export function DataTable({ caption, columns, label, children }: { caption?: string; columns: readonly string[]; label?: string; children: ReactNode }) {
  const region = label === undefined ? {} : { tabIndex: 0, role: 'region', 'aria-label': label };
  return (
    <div className="table-wrap" {...region}>
      <table className="events">
        {caption !== undefined && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
