import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/form';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { MappingVersions } from './mapping-versions';
import { bodyOf, triggerText, type Mapping } from './mapping-types';

/** /mappings/:id: the mapping, publish or unpublish it (each a new version), edit it, and its versions. */
export function MappingDetail({ id }: { id: string }) {
  const queries = useQueryClient();
  const mapping = useQuery({ queryKey: ['mappings', id], queryFn: async () => unwrap(await api.GET('/api/mappings/{id}', { params: { path: { id } } })) });
  useTitle(mapping.data ? `Mapping ${mapping.data.name}` : 'Mapping');

  const setStatus = useMutation({
    mutationFn: async ({ m, status }: { m: Mapping; status: Mapping['status'] }) =>
      unwrap(await api.PUT('/api/mappings/{id}', { params: { path: { id } }, body: bodyOf(m, { status }) })),
    onSuccess: (saved) => {
      queries.setQueryData(['mappings', id], saved);
      void queries.invalidateQueries({ queryKey: ['mappings'] });
    },
  });

  if (mapping.error) return <ErrorAlert>{mapping.error.message}</ErrorAlert>;
  const m = mapping.data;
  if (!m) return <p className="loading">Loading…</p>;
  const published = m.status === 'published';
  return (
    <>
      <p>
        <Link to="/mappings">All mappings</Link>
      </p>
      <h1>Mapping “{m.name}”</h1>
      <dl className="settings">
        <dt>Id</dt>
        <dd>
          <code>{m.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`status status-${m.status}`}>{m.status}</span> {published ? '(starts runs)' : '(starts no runs)'}
        </dd>
        <dt>Version</dt>
        <dd>{m.version}</dd>
        <dt>Trigger</dt>
        <dd>{triggerText(m.trigger)}</dd>
        <dt>Automation</dt>
        <dd>{m.automation}</dd>
        <dt>Cancel on</dt>
        <dd>{m.cancelOn.length ? m.cancelOn.join(', ') : 'nothing'}</dd>
        <dt>Category</dt>
        <dd>{m.category ?? 'the automation’s default'}</dd>
        <dt>Topic</dt>
        <dd>{m.topic ?? 'none'}</dd>
        <dt>Updated</dt>
        <dd>
          <Time iso={m.updatedAt} />
        </dd>
      </dl>
      <h2>Parameters</h2>
      <JsonView value={m.params} label="Parameters" />
      {setStatus.error && <ErrorAlert>Not saved: {setStatus.error.message}</ErrorAlert>}
      <div className="buttons pager">
        <button type="button" onClick={() => setStatus.mutate({ m, status: published ? 'draft' : 'published' })} disabled={setStatus.isPending} className={published ? 'secondary' : undefined}>
          {published ? 'Unpublish' : 'Publish'}
        </button>
        <Link to={`/mappings/${encodeURIComponent(m.id)}/edit`} className="button-link">
          Edit
        </Link>
      </div>
      {setStatus.isSuccess && (
        <p role="status">
          {setStatus.data.status === 'published' ? 'Published' : 'Unpublished'}: version {setStatus.data.version} is {setStatus.data.status === 'published' ? 'live' : 'a draft'}.
        </p>
      )}
      <MappingVersions id={m.id} current={m.version} />
    </>
  );
}
