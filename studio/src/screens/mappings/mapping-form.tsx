import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap, type Automation } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { JsonView } from '../../components/json-view';
import { Link } from '../../router';
import { fieldErrors } from './api-errors';
import { bodyOf, triggerText, type Mapping, type MappingBody, type Trigger } from './mapping-types';
import { initialValues, paramsOf, SchemaForm, valuesOf, type FormValues, type ObjectSchema } from './schema-form';
import { useTemplateSlots } from './template-slots';

type Category = NonNullable<MappingBody['category']>;
type TriggerType = Trigger['type'];

const schemaOf = (a: Automation | undefined) => (a?.parameters ?? {}) as ObjectSchema;

/**
 * The mapping form, for a new mapping (prefilled from a track event) and for
 * editing a saved one (prefilled from it; PUT saves it as a new version, and
 * what the form does not show, such as sending hours, is kept).
 */
export function MappingForm({
  title,
  automations,
  existing,
  eventName = '',
  save: send,
}: {
  title: string;
  automations: readonly Automation[];
  existing?: Mapping;
  eventName?: string;
  save(body: MappingBody): Promise<Mapping>;
}) {
  const templates = useQuery({ queryKey: ['templates'], queryFn: async () => unwrap(await api.GET('/api/templates')).templates });
  const topics = useQuery({ queryKey: ['topics'], queryFn: async () => unwrap(await api.GET('/api/topics')).topics });

  const t = existing?.trigger;
  const [name, setName] = useState(existing?.name ?? eventName);
  const [triggerType, setTriggerType] = useState<TriggerType>(t?.type ?? 'track');
  const [trigger, setTrigger] = useState(t?.type === 'track' ? t.event : t?.type === 'audience' ? t.audience : eventName);
  const [automationId, setAutomationId] = useState(existing?.automation ?? '');
  const [values, setValues] = useState<FormValues>(() => (existing ? valuesOf(schemaOf(automations.find((a) => a.id === existing.automation)), existing.params) : {}));
  const [cancelOn, setCancelOn] = useState(existing?.cancelOn.join(', ') ?? '');
  const [category, setCategory] = useState<Category | ''>(existing?.category ?? '');
  const [topic, setTopic] = useState(existing?.topic ?? '');

  const sampleEvent = triggerType === 'track' ? (existing ? trigger : eventName) : '';
  const sample = useQuery({
    queryKey: ['events', 'sample', sampleEvent],
    queryFn: async () => unwrap(await api.GET('/api/events', { params: { query: { type: 'track', event: sampleEvent, limit: 1 } } })).events[0] ?? null,
    enabled: sampleEvent !== '',
  });

  const automation = automations.find((a) => a.id === automationId);
  const schema = schemaOf(automation);
  const paramNames = useMemo(() => Object.keys(schema.properties ?? {}), [schema]);
  const slots = useTemplateSlots(automationId, paramsOf(schema, values));

  const chooseAutomation = (id: string) => {
    setAutomationId(id);
    setValues(initialValues(schemaOf(automations.find((a) => a.id === id))));
  };

  const save = useMutation({
    mutationFn: async (status: 'draft' | 'published') => {
      const fields: MappingBody = {
        name,
        status,
        trigger: triggerType === 'track' ? { type: 'track', event: trigger } : triggerType === 'audience' ? { type: 'audience', audience: trigger } : { type: 'identify' },
        automation: automationId,
        params: paramsOf(schema, values),
        cancelOn: cancelOn.split(',').map((s) => s.trim()).filter(Boolean),
        category: category || undefined,
        topic: topic || undefined,
      };
      return send(existing ? bodyOf(existing, fields) : fields);
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
        <h1>{title}</h1>
        <p role="status">
          {save.data.status === 'published' ? 'Published' : 'Saved as a draft'}: mapping “{save.data.name}” (id {save.data.id}, version {save.data.version}) runs{' '}
          {save.data.automation} on {triggerText(save.data.trigger)}.
        </p>
        <ul className="links">
          <li>
            <Link to={`/mappings/${encodeURIComponent(save.data.id)}`}>Open mapping “{save.data.name}”</Link>
          </li>
          <li>
            <Link to="/events">Back to the Event log</Link>
          </li>
        </ul>
      </>
    );
  }

  return (
    <>
      <h1>{title}</h1>
      <div className="mapping-layout">
        <form className="mapping-form" onSubmit={submit} noValidate aria-label={title}>
          <Field label="Name" required error={errors.name}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Trigger" required>
            {(props) => (
              <select {...props} value={triggerType} onChange={(e) => setTriggerType(e.target.value as TriggerType)}>
                <option value="track">a track event</option>
                <option value="identify">a user’s first identify</option>
                <option value="audience">entering an audience</option>
              </select>
            )}
          </Field>
          {triggerType !== 'identify' && (
            <Field
              label={triggerType === 'track' ? 'Trigger event' : 'Audience key'}
              hint={triggerType === 'track' ? 'the track event name that starts a run' : 'the Engage audience key; entering it starts a run'}
              required
              error={errors.trigger}
            >
              {(props) => <input {...props} value={trigger} onChange={(e) => setTrigger(e.target.value)} />}
            </Field>
          )}
          <Field label="Automation" hint={automation?.description} required error={errors.automation}>
            {(props) => (
              <select {...props} value={automationId} onChange={(e) => chooseAutomation(e.target.value)}>
                <option value="">Choose an automation</option>
                {automations.map((a) => (
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
              <SchemaForm schema={schema} values={values} onChange={setValues} templates={templates.data ?? []} slots={slots} errors={paramErrors} />
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
                The latest “{sampleEvent}” event’s properties: templates read them as <code>data.*</code>.
              </p>
              <JsonView value={sample.data.payload.properties ?? {}} label="Sample event properties" />
            </>
          ) : (
            <p>{sampleEvent ? `No “${sampleEvent}” event in the log yet.` : 'Open this form from an event to see its properties.'}</p>
          )}
        </aside>
      </div>
    </>
  );
}
