import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/form';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { RunTable } from '../runs/run-list';

/** One person: traits, contacts, audiences, groups, preferences, and their runs and messages. */
export function ProfileDetail({ id }: { id: string }) {
  useTitle(`Profile ${id}`);
  const path = { params: { path: { userId: id } } };
  const profile = useQuery({ queryKey: ['profile', id], queryFn: async () => unwrap(await api.GET('/api/profiles/{userId}', path)) });
  // Runs and messages are recorded under the profile's own userId (an alias leads to it).
  const userId = profile.data?.userId;
  const preferences = useQuery({ queryKey: ['preferences', id], queryFn: async () => unwrap(await api.GET('/api/profiles/{userId}/preferences', path)), enabled: !!userId });
  const runs = useQuery({
    queryKey: ['runs', { userId }],
    queryFn: async () => unwrap(await api.GET('/api/runs', { params: { query: { userId: userId!, limit: 50 } } })).runs,
    enabled: !!userId,
  });
  const messages = useQuery({
    queryKey: ['messages', { userId }],
    queryFn: async () => unwrap(await api.GET('/api/messages', { params: { query: { userId: userId!, limit: 50 } } })).messages,
    enabled: !!userId,
  });

  if (profile.error) {
    return (
      <>
        <h1>Profile</h1>
        <ErrorAlert>{profile.error.message}</ErrorAlert>
        <p>
          <Link to="/profiles">Find a profile</Link>
        </p>
      </>
    );
  }
  if (!profile.data) return <p className="loading">Loading…</p>;
  const p = profile.data;
  const audiences = Object.entries(p.audiences);
  return (
    <>
      <p>
        <Link to="/profiles">Find a profile</Link>
      </p>
      <h1>Profile {p.userId}</h1>
      <dl className="settings">
        <dt>Email</dt>
        <dd>{p.contact.email ?? '—'}</dd>
        <dt>Phone</dt>
        <dd>{p.contact.phone ?? '—'}</dd>
        {Object.keys(p.contact.tokens).length > 0 && (
          <>
            <dt>Push tokens</dt>
            <dd>
              <code>{JSON.stringify(p.contact.tokens)}</code>
            </dd>
          </>
        )}
        <dt>Aliases</dt>
        <dd>{p.aliases.length ? p.aliases.join(', ') : '—'}</dd>
        <dt>Groups</dt>
        <dd>{p.groups.length ? p.groups.join(', ') : '—'}</dd>
        <dt>Anonymous</dt>
        <dd>{p.anonymous ? 'yes' : 'no'}</dd>
        <dt>Created</dt>
        <dd>
          <Time iso={p.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time iso={p.updatedAt} />
        </dd>
      </dl>

      <h2>Traits</h2>
      <JsonView value={p.traits} label={`Traits of ${p.userId}`} />

      <h2>Audiences</h2>
      {audiences.length === 0 ? (
        <p>In no audience.</p>
      ) : (
        <ul>
          {audiences.map(([key, a]) => (
            <li key={key}>
              {key}: {a.member ? 'member' : 'left'} since <Time iso={a.since} />
            </li>
          ))}
        </ul>
      )}

      <h2>Preferences</h2>
      {preferences.error && <ErrorAlert>{preferences.error.message}</ErrorAlert>}
      {preferences.data &&
        (preferences.data.preferences.length === 0 ? (
          <p>No preferences set: the defaults of each topic apply.</p>
        ) : (
          <ul>
            {preferences.data.preferences.map((pref) => (
              <li key={`${pref.channel}/${pref.topic}`}>
                {pref.channel}
                {pref.topic ? ` · ${pref.topic}` : ' · every topic'}: {pref.subscribed ? 'subscribed' : 'unsubscribed'} ({pref.source}, <Time iso={pref.updatedAt} />)
              </li>
            ))}
          </ul>
        ))}

      <h2>Runs</h2>
      {runs.error && <ErrorAlert>{runs.error.message}</ErrorAlert>}
      {runs.data && (runs.data.length === 0 ? <p>No runs.</p> : <RunTable runs={runs.data} caption={`Runs of ${p.userId}, newest first`} />)}

      <h2>Messages</h2>
      {messages.error && <ErrorAlert>{messages.error.message}</ErrorAlert>}
      {messages.data &&
        (messages.data.length === 0 ? (
          <p>No messages.</p>
        ) : (
          <DataTable caption={`Messages to ${p.userId}, newest first`} columns={['Created', 'Channel', 'To', 'Status', 'Run']}>
            {messages.data.map((m) => (
              <tr key={m.id}>
                <td>
                  <Time iso={m.createdAt} />
                </td>
                <th scope="row">
                  {m.channel} ({m.template.id} v{m.template.version})
                </th>
                <td>{m.recipient ?? '—'}</td>
                <td>
                  <span className="status">{m.status}</span>
                  {m.reason && <span className="note">{m.reason}</span>}
                </td>
                <td>
                  <Link to={`/runs/${encodeURIComponent(m.runId)}`}>{m.runId}</Link>
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
    </>
  );
}
