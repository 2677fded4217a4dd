import type { TemplateSummary } from '../../api/client';
import { Field } from '../../components/form';
import { templatesFor, type ParamSchema, type SlotChannels } from './template-slots';

export interface ObjectSchema {
  properties?: Record<string, ParamSchema>;
  required?: string[];
}

export type FormValues = Record<string, string | boolean>;

/** Initial values: each parameter's default, as the form edits it. */
export function initialValues(schema: ObjectSchema): FormValues {
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, p]) => [name, p.type === 'boolean' ? p.default === true : p.default === undefined ? '' : String(p.default)]),
  );
}

/** The form's values for saved parameters (editing a mapping): each as the form edits it, defaults for the rest. */
export function valuesOf(schema: ObjectSchema, params: Record<string, unknown>): FormValues {
  const values = initialValues(schema);
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const saved = params[name];
    if (saved !== undefined && saved !== null) values[name] = p.type === 'boolean' ? saved === true : String(saved);
  }
  return values;
}

/** The parameters to send: typed per the schema; an empty optional field is left out so its default applies. */
export function paramsOf(schema: ObjectSchema, values: FormValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    if (typeof value === 'boolean') params[name] = value;
    else if (value === undefined || value === '') continue;
    else params[name] = p.type === 'number' || p.type === 'integer' ? Number(value) : value;
  }
  return params;
}

const ACRONYMS: Record<string, string> = { sms: 'SMS', id: 'ID', url: 'URL' };
/** A parameter's label from its name: "smsTemplate" → "SMS template". */
const humanize = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .map((word, i) => ACRONYMS[word] ?? (i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');

/**
 * A form generated from an automation's parameter JSON Schema: text, numbers,
 * booleans and enums with their defaults; template slots as pickers of
 * published templates of the slot's channel.
 */
export function SchemaForm({
  schema,
  values,
  onChange,
  templates,
  slots,
  errors,
}: {
  schema: ObjectSchema;
  values: FormValues;
  onChange(values: FormValues): void;
  templates: readonly TemplateSummary[];
  /** The template parameters and their channels (useTemplateSlots). */
  slots: SlotChannels;
  errors: Record<string, string>;
}) {
  const set = (name: string, value: string | boolean) => onChange({ ...values, [name]: value });
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, p]) => {
        const required = schema.required?.includes(name) ?? false;
        const common = { label: humanize(name), required, error: errors[name] };
        const value = values[name];
        if (name in slots) {
          const channel = slots[name];
          const options = templatesFor(channel, templates);
          const kind = channel ? `${channel} ` : '';
          return (
            <Field key={name} {...common} hint={options.length ? `a published ${kind}template` : `no published ${kind}template yet: create and publish one first`}>
              {(props) => (
                <select {...props} value={String(value ?? '')} onChange={(e) => set(name, e.target.value)}>
                  <option value="">Choose a template</option>
                  {options.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name} ({t.id}, v{t.publishedVersion})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          );
        }
        if (p.type === 'boolean') {
          return (
            <Field key={name} {...common} hint={p.description}>
              {(props) => <input {...props} type="checkbox" checked={value === true} onChange={(e) => set(name, e.target.checked)} />}
            </Field>
          );
        }
        if (p.enum) {
          return (
            <Field key={name} {...common} hint={p.description}>
              {(props) => (
                <select {...props} value={String(value ?? '')} onChange={(e) => set(name, e.target.value)}>
                  {!required || p.default === undefined ? <option value="">{required ? 'Choose' : 'Default'}</option> : null}
                  {p.enum!.map((option) => (
                    <option key={String(option)}>{String(option)}</option>
                  ))}
                </select>
              )}
            </Field>
          );
        }
        const numeric = p.type === 'number' || p.type === 'integer';
        return (
          <Field key={name} {...common} hint={p.description}>
            {(props) => (
              <input
                {...props}
                type={numeric ? 'number' : 'text'}
                step={p.type === 'integer' ? 1 : undefined}
                min={p.minimum}
                max={p.maximum}
                value={String(value ?? '')}
                onChange={(e) => set(name, e.target.value)}
              />
            )}
          </Field>
        );
      })}
    </>
  );
}
