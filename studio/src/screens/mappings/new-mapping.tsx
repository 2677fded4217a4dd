import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap, type NewMapping as NewMappingBody } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { JsonView } from '../../components/json-view';
import { useTitle } from '../../components/title';
import { Link, useLocation } from '../../router';
import { fieldErrors } from './api-errors';
import { initialValues, paramsOf, SchemaForm, type FormValues, type ObjectSchema } from './schema-form';

type Category = NonNullable<NewMappingBody['category']>;

/** A new mapping from a track event: /mappings/new?event=<name>, as "Map this event" opens it. */
export function NewMapping() {
  useTitle('New mapping');
  const { query } = useLocation();
  const eventName = query.get('event') ?? '';

  const automations = useQuery({ queryKey: ['automations'], queryFn: async () => unwrap(await api.GET('/api/automations')).automations });
  const templates = useQuery({ queryKey: ['templates'], queryFn: async () => unwrap(await api.GET('/api/templates')).templates });
  const topics = useQuery({ queryKey: ['topics'], queryFn: async () => unwrap(await api.GET('/api/topics')).topics });
  const sample = useQuery({
    queryKey: ['events', 'sample', eventName],
    queryFn: async () => unwrap(await api.GET('/api/events', { params: { query: { type: 'track', event: eventName, limit: 1 } } })).events[0] ?? null,
    enabled: eventName !== '',
  });

  const [name, setName] = useState(eventName);
  const [trigger, setTrigger] = useState(eventName);
  const [automationId, setAutomationId] = useState('');
  const [values, setValues] = useState<FormValues>({});
  const [cancelOn, setCancelOn] = useState('');
  const [category, setCategory] = useState<Category | ''>('');
  const [topic, setTopic] = useState('');

  const automation = automations.data?.find((a) => a.id === automationId);
  const schema = (automation?.parameters ?? {}) as ObjectSchema;
  const paramNames = useMemo(() => Object.keys(schema.properties ?? {}), [schema]);

  const chooseAutomation = (id: string) => {
    setAutomationId(id);
    const chosen = automations.data?.find((a) => a.id === id);
    setValues(chosen ? initialValues(chosen.parameters as ObjectSchema) : {});
  };

  const save = useMutation({
    mutationFn: async (status: 'draft' | 'published') => {
      const body: NewMappingBody = {
        name,
        status,
        trigger: { type: 'track', event: trigger },
        automation: automationId,
        params: paramsOf(schema, values),
        cancelOn: cancelOn.split(',').map((s) => s.trim()).filter(Boolean),
        ...(category && { category }),
        ...(topic && { topic }),
      };
      return unwrap(await api.POST('/api/mappings', { body }));
    },
  });
  const errors = fieldErrors(save.error, paramNames);
  const paramErrors = Object.fromEntries(Object.entries(errors).filter(([k]) => k.startsWith('params.')).map(([k, v]) => [k.slice('params.'.length), v]));

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    save.mutate(submitter?.value === 'draft' ? 'draft' : 'published');
  };

  if (save.data) {
    return (
      <>
        <h1>New mapping</h1>
        <p role="status">
          {save.data.status === 'published' ? 'Published' : 'Saved as a draft'}: mapping “{save.data.name}” (id {save.data.id}, version {save.data.version}) runs{' '}
          {save.data.automation} on “{trigger}”.
        </p>
        <p>
          <Link to="/events">Back to the Event log</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1>New mapping</h1>
      <div className="mapping-layout">
        <form className="mapping-form" onSubmit={submit} noValidate aria-label="New mapping">
          <Field label="Name" required error={errors.name}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Trigger event" hint="the track event name that starts a run" required error={errors.trigger}>
            {(props) => <input {...props} value={trigger} onChange={(e) => setTrigger(e.target.value)} />}
          </Field>
          <Field label="Automation" hint={automation?.description} required error={errors.automation}>
            {(props) => (
              <select {...props} value={automationId} onChange={(e) => chooseAutomation(e.target.value)}>
                <option value="">Choose an automation</option>
                {automations.data?.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.id}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {automation && (
            <fieldset>
              <legend>Parameters of {automation.id}</legend>
              <SchemaForm schema={schema} values={values} onChange={setValues} templates={templates.data ?? []} errors={paramErrors} />
            </fieldset>
          )}
          <Field label="Cancel on" hint="track event names, comma-separated, that cancel the user’s running runs of this mapping" error={errors.cancelOn}>
            {(props) => <input {...props} value={cancelOn} onChange={(e) => setCancelOn(e.target.value)} placeholder="e.g. Subscription Started" />}
          </Field>
          <Field label="Category" hint="marketing messages check subscriptions, sending hours and caps, and carry one-click unsubscribe" error={errors.category}>
            {(props) => (
              <select {...props} value={category} onChange={(e) => setCategory(e.target.value as Category | '')}>
                <option value="">The automation’s default</option>
                <option value="marketing">marketing</option>
                <option value="transactional">transactional</option>
              </select>
            )}
          </Field>
          <Field label="Topic" hint="the subscription topic of its messages" error={errors.topic}>
            {(props) => (
              <select {...props} value={topic} onChange={(e) => setTopic(e.target.value)}>
                <option value="">None</option>
                {topics.data?.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name} ({t.id})
                  </option>
                ))}
              </select>
            )}
          </Field>
          {save.error && <ErrorAlert>Not saved: {save.error.message}</ErrorAlert>}
          <div className="buttons">
            <button type="submit" name="status" value="published" disabled={save.isPending}>
              Publish
            </button>
            <button type="submit" name="status" value="draft" className="secondary" disabled={save.isPending}>
              Save draft
            </button>
          </div>
        </form>
        <aside className="sample" aria-labelledby="sample-title">
          <h2 id="sample-title">Sample data</h2>
          {sample.data ? (
            <>
              <p>
                The latest “{eventName}” event’s properties: templates read them as <code>data.*</code>.
              </p>
              <JsonView value={sample.data.payload.properties ?? {}} label="Sample event properties" />
            </>
          ) : (
            <p>{eventName ? `No “${eventName}” event in the log yet.` : 'Open this form from an event to see its properties.'}</p>
          )}
        </aside>
      </div>
    </>
  );
}
