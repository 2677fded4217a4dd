import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { paths } from '../../../generated/api';
import { api, unwrap } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { CHANNEL_FIELDS, CHANNEL_LABELS, contentBody, type Content } from './channel-fields';
import { LiquidField } from './liquid-field';
import { usePreviewContext } from './preview-context';
import { PreviewPane } from './preview-pane';
import { describeProblem, fieldProblems } from './template-errors';
import { TestSend } from './test-send';
import { useSettled } from '../../components/use-settled';
import { VersionHistory } from './version-diff';

type Template = paths['/api/templates/{id}']['get']['responses'][200]['content']['application/json'];

/** /templates/:id: the editor, loaded once; the form keeps its own state from there. */
export function TemplateEditor({ id }: { id: string }) {
  const template = useQuery({ queryKey: ['template', id], queryFn: async () => unwrap(await api.GET('/api/templates/{id}', { params: { path: { id } } })) });
  useTitle(template.data ? `Template ${template.data.name}` : 'Template');
  if (template.error) {
    return (
      <>
        <h1>Template</h1>
        <ErrorAlert>{template.error.message}</ErrorAlert>
        <Link to="/templates">All templates</Link>
      </>
    );
  }
  if (!template.data) return <p className="loading">Loading…</p>;
  return <EditorForm key={template.data.id} template={template.data} />;
}

function EditorForm({ template }: { template: Template }) {
  const queries = useQueryClient();
  const { id, channel } = template;
  const [name, setName] = useState(template.name);
  const [values, setValues] = useState<Content>(template.draft as Content);
  const { context, picker } = usePreviewContext();
  const [message, setMessage] = useState('');

  const content = contentBody(channel, values);
  const dirty = name !== template.name || JSON.stringify(content) !== JSON.stringify(contentBody(channel, template.draft as Content));

  // Checked as the user types: the API parses and renders the unsaved content against the chosen context.
  const request = useSettled(JSON.stringify({ content, profile: context.profile, data: context.data, event: context.event, group: null }));
  const preview = useQuery({
    queryKey: ['template-preview', id, request],
    queryFn: async () => unwrap(await api.POST('/api/templates/{id}/preview', { params: { path: { id } }, body: JSON.parse(request) })).rendered as Content,
    placeholderData: keepPreviousData,
    retry: false,
  });

  const refresh = (saved: Template) => {
    queries.setQueryData(['template', id], saved);
    void queries.invalidateQueries({ queryKey: ['templates'] });
  };
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT('/api/templates/{id}', { params: { path: { id } }, body: { name, content } })),
    onSuccess: (saved) => {
      refresh(saved);
      setMessage('Draft saved.');
    },
  });
  const saveIfEdited = async () => {
    if (dirty) await save.mutateAsync();
  };
  const publish = useMutation({
    mutationFn: async () => {
      await saveIfEdited();
      return unwrap(await api.POST('/api/templates/{id}/publish', { params: { path: { id } } }));
    },
    onSuccess: async ({ version }) => {
      setMessage(`Published version ${version}.`);
      refresh(unwrap(await api.GET('/api/templates/{id}', { params: { path: { id } } })));
    },
  });

  const saveError = save.error ?? publish.error;
  const problems = { ...fieldProblems(preview.error), ...fieldProblems(saveError) };
  const placed = new Set(['name', ...CHANNEL_FIELDS[channel].map((f) => f.name)]);
  const unplaced = Object.entries(problems).filter(([k]) => !placed.has(k));
  const status = dirty ? 'Unsaved changes.' : message;

  return (
    <>
      <p>
        <Link to="/templates">All templates</Link>
      </p>
      <h1>
        {template.name} <span className="status">{CHANNEL_LABELS[channel]}</span>
      </h1>
      <p className="hint">
        Id <code>{id}</code> · {template.publishedVersion === null ? 'not published yet' : `published version ${template.publishedVersion}`}
      </p>
      <div className="template-layout">
        <form
          aria-label="Template"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Field label="Name" required error={problems.name && describeProblem(problems.name)}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          {CHANNEL_FIELDS[channel].map((f) => (
            <LiquidField key={f.name} field={f} value={values[f.name] ?? ''} problem={problems[f.name]} onChange={(v) => setValues((was) => ({ ...was, [f.name]: v }))} />
          ))}
          {unplaced.map(([k, p]) => (
            <ErrorAlert key={k}>{describeProblem(p)}</ErrorAlert>
          ))}
          {saveError && Object.keys(fieldProblems(saveError)).length === 0 && <ErrorAlert>{saveError.message}</ErrorAlert>}
          <div className="buttons">
            <button type="submit" className="secondary" disabled={save.isPending || !dirty}>
              Save draft
            </button>
            <button type="button" disabled={publish.isPending} onClick={() => publish.mutate()}>
              Publish
            </button>
          </div>
          <p role="status" className="save-status">
            {status}
          </p>
        </form>
        <div>
          {picker}
          <PreviewPane channel={channel} rendered={preview.error ? undefined : preview.data} stale={preview.isFetching} />
        </div>
      </div>
      <TestSend id={id} channel={channel} context={context} saveFirst={saveIfEdited} />
      {/* Keyed by the count: a new version resets the comparison to it and the draft. */}
      <VersionHistory key={template.versions.length} id={id} channel={channel} draft={template.draft as Content} versions={template.versions} />
    </>
  );
}
