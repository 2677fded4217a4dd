import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { triggerText } from './mapping-types';

/** /mappings: every mapping with its status, version, trigger and automation. */
export function MappingList() {
  useTitle('Mappings');
  const mappings = useQuery({ queryKey: ['mappings'], queryFn: async () => unwrap(await api.GET('/api/mappings')).mappings });
  return (
    <>
      <h1>Mappings</h1>
      <p>
        A mapping starts an automation when its trigger arrives. <Link to="/mappings/new">New mapping</Link> (or “Map this event” in the <Link to="/events">Event log</Link>).
      </p>
      {mappings.error && <ErrorAlert>{mappings.error.message}</ErrorAlert>}
      {mappings.data &&
        (mappings.data.length === 0 ? (
          <p>No mappings yet.</p>
        ) : (
          <DataTable caption="Every mapping, by id" columns={['Mapping', 'Status', 'Version', 'Trigger', 'Automation', 'Updated']}>
            {mappings.data.map((m) => (
              <tr key={m.id}>
                <th scope="row">
                  <Link to={`/mappings/${encodeURIComponent(m.id)}`}>{m.name}</Link>
                  <span className="note">{m.id}</span>
                </th>
                <td>
                  <span className={`status status-${m.status}`}>{m.status}</span>
                </td>
                <td>{m.version}</td>
                <td>{triggerText(m.trigger)}</td>
                <td>{m.automation}</td>
                <td>
                  <Time iso={m.updatedAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
    </>
  );
}
