import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/form';

/** What `homing doctor` knows, asked of the API (GET /api/doctor): a table of checks, run again on demand. */
export function DoctorChecks() {
  const doctor = useQuery({ queryKey: ['doctor'], queryFn: async () => unwrap(await api.GET('/api/doctor')), refetchOnWindowFocus: false });
  return (
    <section aria-labelledby="doctor-title">
      <h2 id="doctor-title">Health (homing doctor)</h2>
      <p className="hint">Postgres, Temporal, the providers and the Segment export, as this API reaches them; a dependency that does not answer within a few seconds fails.</p>
      {doctor.error && <ErrorAlert>{doctor.error.message}</ErrorAlert>}
      {doctor.isFetching && <p role="status">Checking…</p>}
      {doctor.data && (
        <DataTable caption={doctor.data.ok ? 'Every check passed' : 'Some checks failed'} columns={['Check', 'Result', 'Detail']} label="Checks table">
          {doctor.data.checks.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>
                <span className={`status ${c.ok ? 'status-mapped' : 'status-invalid'}`}>{c.ok ? 'ok' : 'failed'}</span>
              </td>
              <td>{c.detail}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <div className="buttons pager">
        <button type="button" className="secondary" onClick={() => doctor.refetch()} disabled={doctor.isFetching}>
          Check again
        </button>
      </div>
    </section>
  );
}
