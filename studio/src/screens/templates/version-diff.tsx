import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { Time } from '../../components/time';
import { CHANNEL_FIELDS, type Channel, type Content } from './channel-fields';
import { lineDiff } from './line-diff';

const DRAFT = 'draft';

interface Props {
  id: string;
  channel: Channel;
  draft: Content;
  versions: Array<{ version: number; publishedAt: string }>;
}

/** The published versions, and a line diff of any two of them (or of one and the saved draft), field by field. */
export function VersionHistory({ id, channel, draft, versions }: Props) {
  const newest = versions.length > 0 ? Math.max(...versions.map((v) => v.version)) : undefined;
  const [from, setFrom] = useState(String(newest !== undefined && newest > 1 ? newest - 1 : (newest ?? DRAFT)));
  const [to, setTo] = useState(DRAFT);

  const contentOf = (choice: string) => ({
    queryKey: ['template-version', id, choice],
    queryFn: async () => unwrap(await api.GET('/api/templates/{id}/versions/{version}', { params: { path: { id, version: choice } } })).content as Content,
    enabled: choice !== DRAFT,
    staleTime: Infinity, // a published version never changes
  });
  const before = useQuery(contentOf(from));
  const after = useQuery(contentOf(to));
  const beforeContent = from === DRAFT ? draft : before.data;
  const afterContent = to === DRAFT ? draft : after.data;

  const choices = [...versions].sort((a, b) => b.version - a.version);
  const select = (label: string, value: string, set: (v: string) => void) => (
    <Field label={label}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => set(e.target.value)}>
          <option value={DRAFT}>Saved draft</option>
          {choices.map((v) => (
            <option key={v.version} value={String(v.version)}>
              Version {v.version}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Version history</h2>
      {choices.length === 0 ? (
        <p>Not published yet.</p>
      ) : (
        <ul className="versions">
          {choices.map((v) => (
            <li key={v.version}>
              Version {v.version}, published <Time iso={v.publishedAt} />
            </li>
          ))}
        </ul>
      )}
      {choices.length > 0 && (
        <div className="diff-choice">
          {select('Compare', from, setFrom)}
          {select('With', to, setTo)}
        </div>
      )}
      {(before.error ?? after.error) && <ErrorAlert>{(before.error ?? after.error)!.message}</ErrorAlert>}
      {choices.length > 0 && beforeContent && afterContent && (
        <div aria-label="Differences" role="region">
          {CHANNEL_FIELDS[channel].map((f) => {
            const lines = lineDiff(beforeContent[f.name] ?? '', afterContent[f.name] ?? '');
            const changed = lines.some((l) => l.kind !== 'same');
            return (
              <div key={f.name}>
                <h3>{f.label}</h3>
                {!changed ? (
                  <p className="hint">No change.</p>
                ) : (
                  <pre className="json diff" aria-label={`Diff of ${f.label}`} tabIndex={0}>
                    {lines.map((l, i) => (
                      <span key={i} className={`diff-${l.kind}`}>
                        {l.kind === 'added' ? <ins>{`+ ${l.text}`}</ins> : l.kind === 'removed' ? <del>{`- ${l.text}`}</del> : `  ${l.text}`}
                        {'\n'}
                      </span>
                    ))}
                  </pre>
                )}
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
