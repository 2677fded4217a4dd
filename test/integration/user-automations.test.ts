import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { Client, Connection } from '@temporalio/client';
import { API_KEY, eventually, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { publishMapping, publishTemplates, twilioEnv } from '../helpers/automation';

/** An automation from outside src/ (HOMING_AUTOMATIONS), run by the worker on the dev server beside the built-ins. */
let homing: TestHoming;
let smtp: SmtpSink;
let twilio: TwilioSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  twilio = await startTwilioSink();
  homing = await startHoming({
    env: { HOMING_AUTOMATIONS: path.join(__dirname, '..', 'fixtures', 'automations'), EMAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url, ...twilioEnv(twilio) },
  });
  await publishTemplates(homing, [
    { id: 'nudge-mail', name: 'Nudge mail', channel: 'email', content: { subject: 'Try {{ data.feature }}, {{ profile.name }}', text: 'Hi {{ profile.name }}' } },
    { id: 'nudge-text', name: 'Nudge text', channel: 'sms', content: { text: '{{ profile.name }}: try {{ data.feature }}' } },
    { id: 'trial-mail', name: 'Trial mail', channel: 'email', content: { subject: 'Your trial, {{ profile.name }}', text: 'Pick a plan' } },
    { id: 'trial-text', name: 'Trial text', channel: 'sms', content: { text: 'Still deciding?' } },
  ]);
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await smtp?.close();
  await twilio?.close();
});

async function track(userId: string, traits: Record<string, unknown>, properties: Record<string, unknown>) {
  await segment((a) => {
    a.identify({ userId, traits });
    a.track({ userId, event: 'Feature Not Used', properties });
  });
}

/** Events through the official Segment client, in order. */
async function segment(send: (analytics: Analytics) => void) {
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 10, flushInterval: 50, maxRetries: 0 });
  send(analytics);
  await analytics.closeAndFlush();
}

const routed = async (userId: string) =>
  (await homing.pool.query('SELECT d.message_id FROM run_event_deliveries d JOIN runs r ON r.id = d.run_id WHERE r.user_id = $1 ORDER BY d.seq', [userId])).rows.map((r) => r.message_id);
const listening = async (userId: string) => (await homing.pool.query('SELECT event FROM run_event_interests WHERE user_id = $1 ORDER BY event', [userId])).rows.map((r) => r.event);

const endedRun = (userId: string) =>
  eventually(async () => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs.find((r: any) => r.status !== 'running' && r.status !== 'pending'), 30_000, `${userId}'s run to end`);

it('is in the catalog, with a JSON Schema that has its own parameters and one template id per template slot', async () => {
  const { body } = await homing.admin('/api/automations');
  expect(body.automations.map((a: { id: string }) => a.id)).toEqual(['email-then-sms', 'single-send', 'misused-waits', 'plan-nudge', 'trial-goal']);
  const nudge = body.automations.find((a: { id: string }) => a.id === 'plan-nudge');
  expect(nudge.parameters.properties).toMatchObject({ feature: { type: 'string', default: 'reports' }, email: { type: 'string' }, sms: { type: 'string' } });
  expect(nudge.parameters.required).toEqual(['email', 'sms']);
});

it('a mapping must give each template slot a published template of its channel', async () => {
  const wrong = await homing.admin('/api/mappings', {
    method: 'POST',
    body: { id: 'wrong', name: 'wrong', status: 'published', trigger: { type: 'track', event: 'X' }, automation: 'plan-nudge', params: { email: 'nudge-text', sms: 'nudge-text' } },
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error).toBe('email: template "nudge-text" is a sms template; this parameter needs email');
  const missing = await homing.admin('/api/mappings', {
    method: 'POST',
    body: { id: 'missing', name: 'missing', trigger: { type: 'track', event: 'X' }, automation: 'plan-nudge', params: { email: 'nudge-mail' } },
  });
  expect(missing.status).toBe(400);
  expect(missing.body.error).toMatch(/params do not fit automation "plan-nudge": .*sms/s);
});

it('runs it: reads the profile and the trigger, branches on the plan, and records the typed outcome', async () => {
  await publishMapping(homing, { id: 'nudge', trigger: { type: 'track', event: 'Feature Not Used' }, automation: 'plan-nudge', params: { email: 'nudge-mail', sms: 'nudge-text' } });
  await track('uma', { name: 'Uma', email: 'uma@example.com', phone: '+15550107001', plan: 'pro' }, { feature: 'exports' });
  await track('eli', { name: 'Eli', email: 'eli@example.com', phone: '+15550107002', plan: 'enterprise' }, { feature: 'audit-log' });

  const mail = await smtp.waitFor((m) => m.envelope.to.includes('uma@example.com'), 20_000);
  expect(mail.subject).toBe('Try exports, Uma');
  const sms = await eventually(async () => twilio.messages.find((m) => m.form.To === '+15550107002'), 20_000, "Eli's SMS");
  expect(sms.form.Body).toBe('Eli: try audit-log');

  for (const [user, step, channel] of [['uma', 'nudge-exports', 'email'], ['eli', 'nudge-audit-log', 'sms']] as const) {
    const run = await endedRun(user);
    expect(run).toMatchObject({ status: 'completed', automation: 'plan-nudge', result: { outcome: 'done' } });
    const messages = (await homing.admin(`/api/messages?userId=${user}`)).body.messages;
    expect(messages).toEqual([expect.objectContaining({ step, channel, status: 'SENT' })]);
  }
  // Its runs are Temporal workflows whose type is the automation's id.
  const connection = await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! });
  try {
    const described = await new Client({ connection }).workflow.getHandle((await endedRun('uma')).id).describe();
    expect(described.type).toBe('plan-nudge');
  } finally {
    await connection.close();
  }
});

describe('waiting for Segment events (trial-goal waits for "Plan Chosen" and exits on "Subscription Started")', () => {
  beforeAll(async () => {
    await publishMapping(homing, { id: 'trial', trigger: { type: 'track', event: 'Trial Started' }, automation: 'trial-goal', params: { welcome: 'trial-mail', reminder: 'trial-text' } });
  });

  it("routes only the events the run declared, to that user's run only, and a redelivery once", async () => {
    await segment((a) => {
      a.identify({ userId: 'ivy', traits: { name: 'Ivy', email: 'ivy@example.com', phone: '+15550107101' } });
      a.identify({ userId: 'ned', traits: { name: 'Ned', email: 'ned@example.com', phone: '+15550107102' } });
      a.track({ userId: 'ivy', event: 'Trial Started' });
      a.track({ userId: 'ned', event: 'Trial Started' });
    });
    await smtp.waitFor((m) => m.envelope.to.includes('ivy@example.com'), 20_000);
    expect(await listening('ivy')).toEqual(['Plan Chosen', 'Subscription Started']);
    await segment((a) => {
      a.track({ userId: 'ivy', event: 'Page Scrolled', messageId: 'ivy-scroll' });
      a.track({ userId: 'ivy', event: 'Plan Chosen', properties: { plan: 'free' }, messageId: 'ivy-free' });
      a.track({ userId: 'ivy', event: 'Plan Chosen', properties: { plan: 'free' }, messageId: 'ivy-free' });
    });
    await eventually(async () => ((await routed('ivy')).length === 1 ? true : undefined), 20_000, "ivy's routed event");
    expect(await routed('ivy')).toEqual(['ivy-free']);
    expect(await routed('ned')).toEqual([]);
    // A free plan does not count: the run still waits.
    expect((await homing.admin('/api/runs?userId=ivy')).body.runs[0].status).toBe('running');

    await segment((a) => a.track({ userId: 'ivy', event: 'Plan Chosen', properties: { plan: 'pro' }, messageId: 'ivy-pro' }));
    const run = await endedRun('ivy');
    expect(run).toMatchObject({ status: 'completed', result: { outcome: 'goal', event: 'Plan Chosen' } });
    // A closed run listens to nothing any more.
    expect(await listening('ivy')).toEqual([]);
    expect((await homing.admin('/api/runs?userId=ned')).body.runs[0].status).toBe('running');
  });

  it('an event in the same batch as the trigger, before the run waits, is kept', async () => {
    await segment((a) => {
      a.identify({ userId: 'kai', traits: { name: 'Kai', email: 'kai@example.com' } });
      a.track({ userId: 'kai', event: 'Trial Started' });
      a.track({ userId: 'kai', event: 'Plan Chosen', properties: { plan: 'team' } });
    });
    expect(await endedRun('kai')).toMatchObject({ status: 'completed', result: { outcome: 'goal', event: 'Plan Chosen' } });
  });

  it('an exit event ends the run at once, with the goal; the welcome stays sent', async () => {
    await segment((a) => a.track({ userId: 'ned', event: 'Subscription Started' }));
    expect(await endedRun('ned')).toMatchObject({ status: 'completed', result: { outcome: 'goal', event: 'Subscription Started' } });
    expect((await homing.admin('/api/messages?userId=ned')).body.messages).toEqual([expect.objectContaining({ step: 'welcome', status: 'SENT' })]);
  });
});
