import { Fragment, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/form';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { triggerText } from './mapping-types';

/** A mapping's saved versions, newest first; each one's definition opens below its row. */
export function MappingVersions({ id, current }: { id: string; current: number }) {
  const versions = useQuery({ queryKey: ['mappings', id, 'versions', current], queryFn: async () => unwrap(await api.GET('/api/mappings/{id}/versions', { params: { path: { id } } })).versions });
  const [open, setOpen] = useState<number>();
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {versions.error && <ErrorAlert>{versions.error.message}</ErrorAlert>}
      {versions.data && (
        <DataTable caption="Newest first; runs keep the version they started with" columns={['Version', 'Saved', 'Status', 'Trigger', 'Automation', 'Definition']}>
          {versions.data.map((v) => (
            <Fragment key={v.version}>
              <tr>
                <th scope="row">
                  v{v.version}
                  {v.version === current && <span className="note">current</span>}
                </th>
                <td>
                  <Time iso={v.createdAt} />
                </td>
                <td>
                  <span className={`status status-${v.definition.status}`}>{v.definition.status}</span>
                </td>
                <td>{triggerText(v.definition.trigger)}</td>
                <td>{v.definition.automation}</td>
                <td>
                  <button type="button" className="secondary" aria-expanded={open === v.version} aria-controls={`version-${v.version}`} onClick={() => setOpen(open === v.version ? undefined : v.version)}>
                    {open === v.version ? 'Hide' : 'Show'}
                    <span className="visually-hidden"> version {v.version}</span>
                  </button>
                </td>
              </tr>
              {open === v.version && (
                <tr id={`version-${v.version}`}>
                  <td colSpan={6}>
                    <JsonView value={v.definition} label={`Definition of version ${v.version}`} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </DataTable>
      )}
    </section>
  );
}
