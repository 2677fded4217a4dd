import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { paths } from '../../../generated/api';
import { api, unwrap, type TemplateSummary } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert, Field } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link, navigate } from '../../router';
import { CHANNEL_LABELS, STARTER_CONTENT, type Channel } from './channel-fields';
import { fieldErrorsOf } from './template-errors';

const CHANNELS = Object.keys(CHANNEL_LABELS) as Channel[];

/** /templates: every template by channel, and a form that creates one and opens it in the editor. */
export function TemplateList() {
  useTitle('Templates');
  const templates = useQuery({ queryKey: ['templates'], queryFn: async () => unwrap(await api.GET('/api/templates')).templates });
  return (
    <>
      <h1>Templates</h1>
      {templates.error && <ErrorAlert>{templates.error.message}</ErrorAlert>}
      {templates.data && templates.data.length === 0 && <p>No templates yet: create the first one below.</p>}
      {templates.data &&
        CHANNELS.map((channel) => {
          const ofChannel = templates.data.filter((t) => t.channel === channel);
          return ofChannel.length > 0 && <ChannelTable key={channel} channel={channel} templates={ofChannel} />;
        })}
      <NewTemplate />
    </>
  );
}

function ChannelTable({ channel, templates }: { channel: Channel; templates: TemplateSummary[] }) {
  return (
    <section aria-labelledby={`templates-${channel}`}>
      <h2 id={`templates-${channel}`}>{CHANNEL_LABELS[channel]}</h2>
      <DataTable columns={['Name', 'Id', 'Published', 'Updated']}>
        {templates.map((t) => (
          <tr key={t.id}>
            <th scope="row">
              <Link to={`/templates/${encodeURIComponent(t.id)}`}>{t.name}</Link>
            </th>
            <td className="template-id">
              <code>{t.id}</code>
            </td>
            <td>{t.publishedVersion === null ? <span className="status">draft only</span> : `version ${t.publishedVersion}`}</td>
            <td>
              <Time iso={t.updatedAt} />
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function NewTemplate() {
  const queries = useQueryClient();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [channel, setChannel] = useState<Channel>('email');
  const create = useMutation({
    mutationFn: async () => {
      const body = { ...(id.trim() && { id: id.trim() }), name, channel, content: STARTER_CONTENT[channel] } as paths['/api/templates']['post']['requestBody']['content']['application/json'];
      return unwrap(await api.POST('/api/templates', { body }));
    },
    onSuccess: (created) => {
      void queries.invalidateQueries({ queryKey: ['templates'] });
      navigate(`/templates/${encodeURIComponent(created.id)}`);
    },
  });
  const errors = fieldErrorsOf(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="new-template">
      <h2 id="new-template">New template</h2>
      <form onSubmit={submit} className="new-template">
        <Field label="Name" required error={errors.name}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Channel">
          {(props) => (
            <select {...props} value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {CHANNEL_LABELS[c]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Id" hint="Optional: what mappings and the API name it by; generated when empty." error={errors.id}>
          {(props) => <input {...props} value={id} onChange={(e) => setId(e.target.value)} />}
        </Field>
        {create.error && !errors.name && !errors.id && <ErrorAlert>{create.error.message}</ErrorAlert>}
        <button type="submit" disabled={create.isPending}>
          Create template
        </button>
      </form>
    </section>
  );
}
