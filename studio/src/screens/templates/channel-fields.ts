import type { TemplateSummary } from '../../api/client';

export type Channel = TemplateSummary['channel'];
export type Content = Record<string, string | undefined>;

export interface EditorField {
  name: string;
  label: string;
  /** One line (a subject) or a multi-line source. */
  multiline: boolean;
  optional?: boolean;
  hint?: string;
}

/** The content fields of each channel, as the API's content schemas have them, in the order the editor shows them. */
export const CHANNEL_FIELDS: Record<Channel, EditorField[]> = {
  email: [
    { name: 'subject', label: 'Subject', multiline: false },
    { name: 'html', label: 'HTML body', multiline: true, optional: true, hint: 'Liquid output is HTML-escaped here. Give HTML, text or both.' },
    { name: 'text', label: 'Text body', multiline: true, optional: true },
  ],
  sms: [{ name: 'text', label: 'Text', multiline: true, hint: 'At most 1,600 characters once rendered.' }],
  whatsapp: [{ name: 'text', label: 'Text', multiline: true }],
  slack: [
    { name: 'text', label: 'Text (mrkdwn)', multiline: true },
    { name: 'blocks', label: 'Blocks (JSON array)', multiline: true, optional: true },
  ],
};

export const CHANNEL_LABELS: Record<Channel, string> = { email: 'Email', sms: 'SMS', whatsapp: 'WhatsApp', slack: 'Slack' };

/** What a new template starts with: valid content the user edits from. */
export const STARTER_CONTENT: Record<Channel, Content> = {
  email: { subject: 'Hello {{ profile.name | default: "there" }}', html: '<p>Hello {{ profile.name | default: "there" }},</p>\n<p>…</p>' },
  sms: { text: 'Hello {{ profile.name | default: "there" }}' },
  whatsapp: { text: 'Hello {{ profile.name | default: "there" }}' },
  slack: { text: 'Hello {{ profile.name | default: "there" }}' },
};

/** The content as the API takes it: empty optional fields left out. */
export function contentBody(channel: Channel, values: Content): Content {
  const out: Content = {};
  for (const f of CHANNEL_FIELDS[channel]) {
    const v = values[f.name] ?? '';
    if (v !== '' || !f.optional) out[f.name] = v;
  }
  return out;
}
