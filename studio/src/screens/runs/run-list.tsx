import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert, Field } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { RUN_STATUSES, runOutcome, type Run } from './types';

const POLL_MS = 2_000;
type Status = (typeof RUN_STATUSES)[number];

/** Runs, newest first, filtered by status, mapping and user; refreshed while shown. */
export function RunList() {
  useTitle('Runs');
  const [status, setStatus] = useState<Status | ''>('');
  const [mappingId, setMappingId] = useState('');
  const [user, setUser] = useState('');
  const [userId, setUserId] = useState('');
  // The user filter applies once typing pauses, so each keystroke is not a query.
  useEffect(() => {
    const t = setTimeout(() => setUserId(user.trim()), 300);
    return () => clearTimeout(t);
  }, [user]);

  const mappings = useQuery({ queryKey: ['mappings'], queryFn: async () => unwrap(await api.GET('/api/mappings')).mappings });
  const query = { limit: 100, ...(status && { status }), ...(mappingId && { mappingId }), ...(userId && { userId }) };
  const runs = useQuery({
    queryKey: ['runs', query],
    queryFn: async () => unwrap(await api.GET('/api/runs', { params: { query } })).runs,
    refetchInterval: POLL_MS,
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1>Runs</h1>
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
              <option value="">Any status</option>
              {RUN_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Mapping">
          {(props) => (
            <select {...props} value={mappingId} onChange={(e) => setMappingId(e.target.value)}>
              <option value="">Any mapping</option>
              {mappings.data?.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.id})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="User">
          {(props) => <input {...props} type="search" placeholder="userId" value={user} onChange={(e) => setUser(e.target.value)} />}
        </Field>
      </form>
      {runs.error && <ErrorAlert>{runs.error.message}</ErrorAlert>}
      {mappings.error && <ErrorAlert>Mappings: {mappings.error.message}</ErrorAlert>}
      {runs.data && (runs.data.length === 0 ? <p>No runs match.</p> : <RunTable runs={runs.data} caption="Newest first, refreshed every few seconds" />)}
    </>
  );
}

/** Runs as a table; each run's id opens its timeline. */
export function RunTable({ runs, caption }: { runs: Run[]; caption: string }) {
  return (
    <DataTable caption={caption} columns={['Created', 'Run', 'Mapping', 'User', 'Status']}>
      {runs.map((r) => (
        <tr key={r.id}>
          <td>
            <Time iso={r.createdAt} />
          </td>
          <th scope="row">
            <Link to={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</Link>
            <span className="note">{r.trigger.event}</span>
          </th>
          <td>
            {r.mapping.id} v{r.mapping.version}
          </td>
          <td>{r.userId}</td>
          <td>
            <span className={`status run-${r.status}`}>{runOutcome(r)}</span>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
