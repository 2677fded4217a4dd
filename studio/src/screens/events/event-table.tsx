import { Fragment, useState } from 'react';
import type { LoggedEvent } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { navigate } from '../../router';

/** Events as a table, a row per event; each row's JSON opens below it. */
export function EventTable({ events, caption }: { events: LoggedEvent[]; caption: string }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((was) => {
      const next = new Set(was);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <DataTable caption={caption} columns={['Received', 'Event', 'User', 'Status', 'Actions']}>
      {events.map((e) => (
        <Fragment key={e.id}>
          <tr>
            <td>
              <Time iso={e.receivedAt} />
            </td>
            <th scope="row">{e.name}</th>
            <td>{e.userId ?? (e.anonymousId ? `anonymous ${e.anonymousId}` : '—')}</td>
            <td>
              <span className={`status status-${e.status}`}>{e.status}</span>
              {e.error && <span className="note">{e.error}</span>}
              {e.note && <span className="note">{e.note}</span>}
            </td>
            <td>
              <div className="actions">
              <button type="button" className="secondary" aria-expanded={open.has(e.id)} aria-controls={`json-${e.id}`} onClick={() => toggle(e.id)}>
                {open.has(e.id) ? 'Hide JSON' : 'Show JSON'}
                <span className="visually-hidden"> of {e.name}</span>
              </button>
              {e.status === 'unmapped' && e.type === 'track' && e.event && (
                <button type="button" onClick={() => navigate(`/mappings/new?${new URLSearchParams({ event: e.event! })}`)}>
                  Map this event
                </button>
              )}
              </div>
            </td>
          </tr>
          {open.has(e.id) && (
            <tr id={`json-${e.id}`}>
              <td colSpan={5}>
                <JsonView value={e.payload} label={`JSON of ${e.name}`} />
              </td>
            </tr>
          )}
        </Fragment>
      ))}
    </DataTable>
  );
}
