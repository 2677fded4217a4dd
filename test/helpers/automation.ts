import { Analytics } from '@segment/analytics-node';
import { API_KEY, basic, post, startHoming, type TestHoming } from './homing';
import { startSegmentSink, type SegmentSink } from './segment-sink';
import type { SendGridSink } from './sendgrid-sink';
import type { TwilioSink } from './twilio-sink';

/** An email and an SMS template, as most automation tests use them (`data.plan` is optional). */
export const TRIAL_TEMPLATES = [
  {
    id: 'welcome',
    name: 'Welcome',
    channel: 'email',
    content: {
      subject: 'Welcome, {{ profile.name }}',
      html: '<html><body><p>Hi {{ profile.name }}, your {{ data.plan | default: "basic" }} trial is on.</p><a href="https://example.com/start?plan={{ data.plan | default: "basic" }}">Start</a></body></html>',
      text: 'Hi {{ profile.name }}: https://example.com/start?plan={{ data.plan | default: "basic" }}',
    },
  },
  { id: 'nudge', name: 'Nudge', channel: 'sms', content: { text: '{{ profile.name }}, your trial is waiting: https://example.com/start?plan={{ data.plan | default: "basic" }}' } },
];

/** Creates templates through the management API and publishes each. */
export async function publishTemplates(homing: TestHoming, templates: Array<Record<string, unknown>> = TRIAL_TEMPLATES): Promise<void> {
  for (const t of templates) {
    const created = await homing.admin('/api/templates', { method: 'POST', body: t });
    if (created.status !== 201) throw new Error(`template ${t.id}: ${JSON.stringify(created.body)}`);
    const published = await homing.admin(`/api/templates/${t.id}/publish`, { method: 'POST', body: {} });
    if (published.status !== 200) throw new Error(`publish ${t.id}: ${JSON.stringify(published.body)}`);
  }
}

type MappingInput = {
  id: string;
  trigger: Record<string, unknown>;
  automation: string;
  params: Record<string, unknown>;
  cancelOn?: string[];
  category?: 'marketing' | 'transactional';
  topic?: string;
  sendingHours?: Record<string, { from: string; until: string } | null>;
};

/** Creates a published mapping through the management API; answers it as stored. */
export async function publishMapping(homing: TestHoming, mapping: MappingInput) {
  const res = await homing.admin('/api/mappings', { method: 'POST', body: { name: mapping.id, status: 'published', ...mapping } });
  if (res.status !== 201) throw new Error(`mapping ${mapping.id}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

/** Configuration that sends SMS through a local Twilio-wire sink. */
export const twilioEnv = (twilio: TwilioSink) => ({
  SMS_PROVIDER: 'twilio',
  TWILIO_API_URL: twilio.url,
  TWILIO_ACCOUNT_SID: twilio.accountSid,
  TWILIO_AUTH_TOKEN: twilio.authToken,
  TWILIO_FROM: '+15005550006',
});

/** Configuration that sends email through a local SendGrid-wire sink, whose signed webhooks Homing verifies. */
export const sendgridEnv = (sendgrid: SendGridSink) => ({
  EMAIL_PROVIDER: 'sendgrid',
  SENDGRID_API_URL: sendgrid.url,
  SENDGRID_API_KEY: sendgrid.apiKey,
  SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.webhookPublicKey,
  EMAIL_FROM: 'Homing Test <hello@homing.test>',
});

/** Ingests one event through /segment. */
export type ReportingSend = (body: Record<string, unknown>) => ReturnType<typeof post>;

/**
 * A Homing that reports outcomes to a Segment sink of its own, with the
 * shared templates and one published mapping.
 */
export async function startReportingHoming(writeKey: string, mapping: MappingInput): Promise<{ homing: TestHoming; segment: SegmentSink; send: ReportingSend }> {
  const segment = await startSegmentSink(writeKey);
  const homing = await startHoming({ env: { SEGMENT_WRITE_KEY: writeKey, SEGMENT_API_HOST: segment.url } });
  await publishTemplates(homing);
  await publishMapping(homing, mapping);
  return { homing, segment, send: (body) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) }) };
}

/** A growth team's app, through Segment's official client: identify (with contact details), then the mapped `Trial Started`. */
export async function sendTrial(homing: TestHoming, userId: string, traits: Record<string, unknown>): Promise<void> {
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 10, flushInterval: 50, maxRetries: 0 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  analytics.identify({ userId, traits });
  analytics.track({ userId, event: 'Trial Started', properties: { plan: 'pro' } });
  await analytics.closeAndFlush();
  if (errors.length > 0) throw new Error(`the Segment client failed: ${errors.map(String).join('; ')}`);
}
