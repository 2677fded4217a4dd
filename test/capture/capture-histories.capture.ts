import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { outcomeExportWorkflowId, shardWorkflowId } from '../../src/automations/dispatcher';
import { shardOf } from '../../src/ingest/shards';
import { messageIdFor } from '../../src/messaging/send';
import { signToken } from '../../src/messaging/tracking';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';

// Captures the replay fixtures in test/histories/ from real runs on the dev
// server. Not part of `npm test` (jest picks up *.test.ts only); after an
// intended workflow change, re-capture with:
//
//   npx jest --testMatch '**/test/capture/*.capture.ts'

const HISTORIES = path.join(__dirname, '..', 'histories');
/** The test's user automations, and their runs' histories (replayed with HOMING_AUTOMATIONS set to the folder). */
const USER_AUTOMATIONS = path.join(__dirname, '..', 'fixtures', 'automations');
const USER_HISTORIES = path.join(USER_AUTOMATIONS, 'histories');

let homing: TestHoming;
let smtp: SmtpSink;
let twilio: TwilioSink;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  smtp = await startSmtpSink();
  twilio = await startTwilioSink();
  homing = await startHoming({
    env: {
      HOMING_AUTOMATIONS: USER_AUTOMATIONS,
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: smtp.url,
      SMS_PROVIDER: 'twilio',
      TWILIO_API_URL: twilio.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15005550006',
    },
  });
  connection = await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! });
  client = new Client({ connection });
  const templates = [
    { id: 'welcome', name: 'Welcome', channel: 'email', content: { subject: 'Welcome, {{ profile.name }}', html: '<p>Hi {{ profile.name }}</p><a href="https://example.com/start">Start</a>' } },
    { id: 'nudge', name: 'Nudge', channel: 'sms', content: { text: '{{ profile.name }}, your trial is waiting: https://example.com/start' } },
    { id: 'feature', name: 'Feature', channel: 'email', content: { subject: 'Try {{ data.feature }}', text: 'Hi {{ profile.name }}' } },
  ];
  for (const t of templates) {
    expect((await homing.admin('/api/templates', { method: 'POST', body: t })).status).toBe(201);
    expect((await homing.admin(`/api/templates/${t.id}/publish`, { method: 'POST', body: {} })).status).toBe(200);
  }
  const mappings = [
    {
      id: 'trial',
      name: 'Trial onboarding',
      status: 'published',
      trigger: { type: 'track', event: 'Trial Started' },
      automation: 'email-then-sms',
      params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '5s', smsWait: '5s' },
      cancelOn: ['Subscription Started'],
    },
    { id: 'hello', name: 'Hello', status: 'published', trigger: { type: 'track', event: 'Signed Up' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } },
    { id: 'goal', name: 'Goal', status: 'published', trigger: { type: 'track', event: 'Goal Trial' }, automation: 'trial-goal', params: { welcome: 'welcome', reminder: 'nudge' } },
    { id: 'plan', name: 'Plan', status: 'published', trigger: { type: 'track', event: 'Feature Not Used' }, automation: 'plan-nudge', params: { email: 'feature', sms: 'nudge' } },
  ];
  for (const m of mappings) expect((await homing.admin('/api/mappings', { method: 'POST', body: m })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await homing?.stop();
  await smtp?.close();
  await twilio?.close();
});

const track = (userId: string, event: string) =>
  post(`${homing.url}/segment`, JSON.stringify({ type: 'track', userId, event, messageId: `${userId}-${event}` }), { authorization: basic(API_KEY) });

let users = 0;

/** identify with both addresses, then the triggering track; resolves with the run's (= workflow's) id. */
async function trigger(userId: string, event: string): Promise<string> {
  const phone = `+155502000${++users}`;
  const identify = { type: 'identify', userId, traits: { name: userId, email: `${userId}@example.com`, phone }, messageId: `${userId}-identify` };
  expect((await post(`${homing.url}/segment`, JSON.stringify(identify), { authorization: basic(API_KEY) })).status).toBe(200);
  expect((await track(userId, event)).body.results[0].status).toBe('mapped');
  const run = await eventually(async () => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs[0], 20_000, `${userId}'s run`);
  return run.id as string;
}

/** Writes a workflow's history as the proto JSON that `temporal workflow show --output json` prints. */
async function write(workflowId: string, name: string, dir = HISTORIES): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), `${historyToJSON(history)}\n`);
}

/** Waits for the workflow to close in Temporal, then writes its history. */
async function capture(workflowId: string, name: string, dir = HISTORIES): Promise<void> {
  await client.workflow.getHandle(workflowId).result().catch((err: unknown) => {
    if (!(err instanceof WorkflowFailedError)) throw err; // a canceled run ends in a WorkflowFailedError
  });
  await write(workflowId, name, dir);
}

const emailTo = (userId: string) => smtp.waitFor((m) => m.envelope.to.includes(`${userId}@example.com`), 20_000);
const smsTo = (userId: string) => eventually(async () => twilio.messages.find((m) => m.form.Body?.startsWith(`${userId},`)), 20_000, `${userId}'s SMS`);

/** Resolves once the run's workflow has started its `nth` timer, i.e. waits for engagement with its `nth` message. */
const waiting = (id: string, nth = 1) =>
  eventually(async () => {
    const { events } = await client.workflow.getHandle(id).fetchHistory();
    return (events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED).length >= nth;
  }, 20_000, `${id} to wait`);

it('email-then-sms: the email is opened during the wait', async () => {
  const id = await trigger('opener', 'Trial Started');
  const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec((await emailTo('opener')).html!)![1]!;
  await waiting(id);
  expect((await fetch(pixel)).status).toBe(200);
  await capture(id, 'email-then-sms-opened');
}, 60_000);

it('email-then-sms: the email is opened while it is still being sent (no wait at all)', async () => {
  const held = smtp.holdNext(1);
  const id = await trigger('early', 'Trial Started');
  await held.waiting(1);
  const pixel = `${homing.url}/t/o/${signToken(homing.config.trackingSecret, { m: messageIdFor(id, 'email'), k: 'o' })}`;
  expect((await fetch(pixel)).status).toBe(200);
  held.release();
  await capture(id, 'email-then-sms-opened-early');
}, 60_000);

it('email-then-sms: not opened, so an SMS, whose link is clicked', async () => {
  const id = await trigger('clicker', 'Trial Started');
  const click = /(http:\/\/\S+\/t\/c\/\S+)$/.exec((await smsTo('clicker')).form.Body!)![1]!;
  await waiting(id, 2);
  expect((await fetch(click, { redirect: 'manual' })).status).toBe(302);
  await capture(id, 'email-then-sms-sms-clicked');
}, 60_000);

it('email-then-sms: both ignored (opened: false)', async () => {
  const id = await trigger('ignorer', 'Trial Started');
  await capture(id, 'email-then-sms-ignored');
}, 60_000);

it('email-then-sms: canceled by a cancelOn event during the wait', async () => {
  const id = await trigger('quitter', 'Trial Started');
  await waiting(id);
  expect((await track('quitter', 'Subscription Started')).body.results[0].status).toBe('canceled-run');
  await capture(id, 'email-then-sms-canceled');
}, 60_000);

it('single-send: one email', async () => {
  const id = await trigger('single', 'Signed Up');
  await capture(id, 'single-send-sent');
}, 60_000);

it('trial-goal (user automation): a paid plan chosen during the wait, after a free one', async () => {
  const id = await trigger('chooser', 'Goal Trial');
  await emailTo('chooser');
  await waiting(id);
  const choose = (plan: string) =>
    post(`${homing.url}/segment`, JSON.stringify({ type: 'track', userId: 'chooser', event: 'Plan Chosen', properties: { plan }, messageId: `chooser-${plan}` }), { authorization: basic(API_KEY) });
  await choose('free');
  await choose('pro');
  await capture(id, 'trial-goal-plan-chosen', USER_HISTORIES);
}, 60_000);

it('trial-goal (user automation): ended by its exit event while it waits', async () => {
  const id = await trigger('subscriber', 'Goal Trial');
  await emailTo('subscriber');
  await waiting(id);
  await track('subscriber', 'Subscription Started');
  await capture(id, 'trial-goal-exit', USER_HISTORIES);
}, 60_000);

it('plan-nudge (user automation): reads the profile and the trigger, then sends', async () => {
  const id = await trigger('reader', 'Feature Not Used');
  await capture(id, 'plan-nudge-sent', USER_HISTORIES);
}, 60_000);

// The long-lived workflows never close (they continue as new), so their history so far is what running ones replay.
it('profile-shard: the shard that applied a user\'s events, so far', async () => {
  await write(shardWorkflowId(homing.config.temporal.taskQueue, shardOf('opener')), 'profile-shard-running');
});

it('outcome-export: the exporter of the runs\' outcomes, so far', async () => {
  await write(outcomeExportWorkflowId(homing.config.temporal.taskQueue), 'outcome-export-running');
});
