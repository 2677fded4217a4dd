import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';

/**
 * What a run costs Temporal: an email-then-sms run is started eagerly on the
 * worker that starts it, sends its email as a local activity inside its first
 * workflow task and parks in its 24 h wait, all in one workflow task — no
 * activity task to schedule, match and complete.
 */
const EventType = temporal.api.enums.v1.EventType;
let homing: TestHoming;
let connection: Connection;

beforeAll(async () => {
  homing = await startHoming();
  await publishTemplates(homing);
  await publishMapping(homing, { id: 'trial', trigger: { type: 'track', event: 'Trial Started' }, automation: 'email-then-sms', params: { emailTemplate: 'welcome', smsTemplate: 'nudge' } });
  connection = await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! });
}, 120_000);
afterAll(async () => {
  await connection?.close();
  await homing?.stop();
});

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

/** The counter's value for one label set in the /metrics text (0 when absent). */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${homing.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

it('a run parks after one workflow task: started eagerly, its email sent as a local activity, then the 24 h timer', async () => {
  const eagerBefore = await metric('homing_run_starts_total{eager="true"}');
  await send({ type: 'identify', userId: 'ivy', traits: { name: 'Ivy', email: 'ivy@example.com' }, messageId: 'ivy-identify' });
  await send({ type: 'track', userId: 'ivy', event: 'Trial Started', messageId: 'ivy-trial' });
  const run = await eventually(async () => ((await homing.admin('/api/runs?userId=ivy')).body.runs as any[])[0], 20_000, "ivy's run");
  await eventually(async () => ((await homing.admin('/api/messages?userId=ivy')).body.messages as any[]).find((m) => m.status === 'SENT'), 20_000, "ivy's email sent");

  const client = new Client({ connection, namespace: homing.config.temporal.namespace });
  const types = await eventually(
    async () => {
      const events = (await client.workflow.getHandle(run.id).fetchHistory()).events ?? [];
      return events.some((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) ? events.map((e) => e.eventType) : undefined;
    },
    20_000,
    "the run's 24 h timer",
  );
  expect(types.filter((t) => t === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toEqual([]);
  expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(1);
  // The send's local-activity marker, then the wait: nothing else.
  expect(types.slice(types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED))).toEqual([
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_TIMER_STARTED,
  ]);
  expect(await metric('homing_run_starts_total{eager="true"}')).toBe(eagerBefore + 1);
}, 60_000);
