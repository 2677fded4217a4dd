import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert, Field } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link, navigate, useLocation } from '../../router';

/** Finds profiles by userId, alias or email; the search is in the URL, so it can be linked and reloaded. */
export function ProfileSearch() {
  useTitle('Profiles');
  const searched = useLocation().query.get('query') ?? '';
  const [text, setText] = useState(searched);
  const results = useQuery({
    queryKey: ['profiles', searched],
    queryFn: async () => unwrap(await api.GET('/api/profiles', { params: { query: { query: searched, limit: 50 } } })).profiles,
    enabled: searched !== '',
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) navigate(`/profiles?${new URLSearchParams({ query: text.trim() })}`);
  };

  return (
    <>
      <h1>Profiles</h1>
      <form className="search-form" role="search" aria-label="Find profiles" onSubmit={submit}>
        <Field label="userId, alias or email">
          {(props) => <input {...props} type="search" value={text} onChange={(e) => setText(e.target.value)} />}
        </Field>
        <button type="submit">Search</button>
      </form>
      {results.error && <ErrorAlert>{results.error.message}</ErrorAlert>}
      {results.data &&
        (results.data.length === 0 ? (
          <p role="status">No profile has the userId, alias or email “{searched}”.</p>
        ) : (
          <DataTable caption={`Profiles matching “${searched}”`} columns={['userId', 'Email', 'Phone', 'Updated']}>
            {results.data.map((p) => (
              <tr key={p.userId}>
                <th scope="row">
                  <Link to={`/profiles/${encodeURIComponent(p.userId)}`}>{p.userId}</Link>
                  {p.anonymous && <span className="note">anonymous</span>}
                </th>
                <td>{p.contact.email ?? '—'}</td>
                <td>{p.contact.phone ?? '—'}</td>
                <td>
                  <Time iso={p.updatedAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
    </>
  );
}
