import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLogger } from '../../src/logger';
import { eventually, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { runTimeline, startRun, startTimeSkippingStack, type TimeSkippingStack } from '../helpers/time-skipping';

/**
 * email-then-sms with the real 24 h defaults (the mapping sets no wait or
 * smsWait) on the time-skipping server: the worker runs the real activities
 * against Postgres with the mailbox providers, and the API's tracking routes
 * signal the runs on that server too.
 *
 * Time is locked except while a test sleeps (env.sleep) or awaits a run's
 * result, and the server does not skip it while an activity runs, so each
 * send happens at the skipped time it is scheduled for.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const log = createLogger(process.env.HOMING_TEST_LOG_LEVEL ?? 'silent');

let stack: TimeSkippingStack;
let env: TestWorkflowEnvironment;
let homing: TestHoming;

beforeAll(async () => {
  stack = await startTimeSkippingStack(log);
  ({ env, homing } = stack);
  await publishTemplates(homing);
  const mapping = await publishMapping(homing, {
    id: 'trial',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge' },
  });
  expect(mapping.params).toMatchObject({ wait: '24h', smsWait: '24h' });
  await stack.startWorker();
}, 120_000);

afterAll(() => stack?.stop());

const PHONES: Record<string, string> = { ada: '+15550100001', bob: '+15550100002', cyd: '+15550100003' };
const contactOf = (userId: string) => ({ email: `${userId}@example.com`, phone: PHONES[userId]! });

/** The user's identify and the mapped track, and the run it starts. */
function startTrial(userId: string): Promise<WorkflowHandle> {
  const messageId = `${userId}-trial`;
  const events = [
    { type: 'identify', userId, traits: { name: userId, ...contactOf(userId) }, messageId: `${userId}-identify` },
    { type: 'track', userId, event: 'Trial Started', properties: { plan: 'pro' }, messageId },
  ];
  return startRun(stack, userId, events, 'trial', messageId);
}

interface MailboxEntry {
  channel: 'email' | 'sms';
  html: string | null;
  text: string | null;
}
const mailboxOf = async (userId: string) => {
  const { email, phone } = contactOf(userId);
  const list = async (to: string) => (await homing.admin(`/api/mailbox?to=${encodeURIComponent(to)}`)).body.messages as MailboxEntry[];
  return [...(await list(email)), ...(await list(phone))];
};
const arrived = (userId: string, channel: 'email' | 'sms') =>
  eventually(async () => (await mailboxOf(userId)).find((m) => m.channel === channel), 20_000, `${userId}'s ${channel}`);
const statusesOf = async (userId: string) =>
  ((await homing.admin(`/api/messages?userId=${userId}`)).body.messages as Array<{ channel: string; status: string }>).map((m) => `${m.channel}:${m.status}`).sort();
const runOf = async (runId: string) => (await homing.admin(`/api/runs/${encodeURIComponent(runId)}`)).body;

it('opened 3 h after the email: the open ends the 24 h wait and no SMS is ever sent', async () => {
  const run = await startTrial('ada');
  const email = await arrived('ada', 'email');
  await env.sleep('3h');
  const pixel = /<img src="([^"]+\/t\/o\/[^"]+)"/.exec(email.html ?? '')?.[1];
  expect(pixel?.startsWith(`${homing.url}/t/o/`)).toBe(true);
  expect((await fetch(pixel!)).status).toBe(200);

  expect(await run.result()).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
  const timeline = await runTimeline(run);
  expect(timeline.timers).toEqual([{ ms: DAY, fired: false }]);
  expect(timeline.sends.map((s) => s.channel)).toEqual(['email']);
  expect(timeline.elapsedMs).toBeGreaterThanOrEqual(3 * HOUR);
  expect(timeline.elapsedMs).toBeLessThan(4 * HOUR);

  expect((await mailboxOf('ada')).map((m) => m.channel)).toEqual(['email']);
  expect(await statusesOf('ada')).toEqual(['email:OPENED']);
  expect(await runOf(run.workflowId)).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'email', channel: 'email' }, input: { params: { wait: '24h', smsWait: '24h' } } });
}, 60_000);

it('never opened: the SMS goes out at 24 h, and the run ends with opened: false 24 h later', async () => {
  const run = await startTrial('bob');
  await arrived('bob', 'email');
  await env.sleep('23h');
  expect((await mailboxOf('bob')).map((m) => m.channel)).toEqual(['email']);
  expect(await statusesOf('bob')).toEqual(['email:SENT']);

  await env.sleep('1h');
  const sms = await arrived('bob', 'sms');
  expect(sms.text).toMatch(/^bob, your trial is waiting: http:\/\/localhost:\d+\/t\/c\/\S+$/);

  expect(await run.result()).toEqual({ outcome: 'ignored' });
  const timeline = await runTimeline(run);
  expect(timeline.timers).toEqual([
    { ms: DAY, fired: true },
    { ms: DAY, fired: true },
  ]);
  const [emailSend, smsSend] = timeline.sends;
  expect([emailSend?.channel, smsSend?.channel]).toEqual(['email', 'sms']);
  expect(smsSend!.atMs - emailSend!.atMs).toBeGreaterThanOrEqual(DAY);
  expect(timeline.elapsedMs).toBeGreaterThanOrEqual(2 * DAY);
  expect(timeline.elapsedMs).toBeLessThan(2 * DAY + HOUR);

  expect((await mailboxOf('bob')).map((m) => m.channel).sort()).toEqual(['email', 'sms']);
  expect(await statusesOf('bob')).toEqual(['email:SENT', 'sms:SENT']);
  expect(await runOf(run.workflowId)).toMatchObject({ status: 'completed', result: { outcome: 'ignored' } });
}, 60_000);

it('the SMS link clicked 2 h after the SMS: the run ends engaged by SMS, without opened: false', async () => {
  const run = await startTrial('cyd');
  await arrived('cyd', 'email');
  await env.sleep('24h');
  const sms = await arrived('cyd', 'sms');
  await env.sleep('2h');
  const click = /(http:\/\/\S+\/t\/c\/\S+)$/.exec(sms.text ?? '')?.[1];
  expect(click).toBeDefined();
  const res = await fetch(click!, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('https://example.com/start?plan=pro');

  expect(await run.result()).toEqual({ outcome: 'engaged', step: 'sms', channel: 'sms' });
  const timeline = await runTimeline(run);
  expect(timeline.timers).toEqual([
    { ms: DAY, fired: true },
    { ms: DAY, fired: false },
  ]);
  expect(timeline.elapsedMs).toBeGreaterThanOrEqual(DAY + 2 * HOUR);
  expect(timeline.elapsedMs).toBeLessThan(DAY + 3 * HOUR);

  expect(await statusesOf('cyd')).toEqual(['email:SENT', 'sms:CLICKED']);
  expect(await runOf(run.workflowId)).toMatchObject({ status: 'completed', result: { outcome: 'engaged', step: 'sms', channel: 'sms' } });
}, 60_000);
