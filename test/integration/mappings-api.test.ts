import { Client, Connection } from '@temporalio/client';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { RunControl } from '../../src/automations/runs';
import { insertRun } from '../../src/db/runs';
import { createLogger } from '../../src/logger';

/** The catalog, mappings and runs of the management API, and the triggers besides track events. */
let homing: TestHoming;
let temporal: Client;
const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

beforeAll(async () => {
  homing = await startHoming({ env: { TEMPORAL_UI_URL: 'http://temporal-ui.test:8080/' } });
  temporal = new Client({ connection: await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! }) });
  const templates = [
    { id: 'mail', name: 'Mail', channel: 'email', content: { subject: 'Hi {{ profile.name | default: "there" }}', text: 'v1' } },
    { id: 'text', name: 'Text', channel: 'sms', content: { text: 'Hi' } },
    { id: 'unpublished', name: 'Draft only', channel: 'email', content: { subject: 'x', text: 'x' } },
  ];
  for (const t of templates) expect((await homing.admin('/api/templates', { method: 'POST', body: t })).status).toBe(201);
  for (const id of ['mail', 'text']) expect((await homing.admin(`/api/templates/${id}/publish`, { method: 'POST', body: {} })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await temporal?.connection.close();
  await homing?.stop();
});

const mapping = (over: Record<string, unknown> = {}) => ({
  name: 'Welcome',
  status: 'published',
  trigger: { type: 'track', event: 'Joined' },
  automation: 'single-send',
  params: { channel: 'email', template: 'mail' },
  ...over,
});
const runsOf = async (userId: string) => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[];

it('lists the catalog with JSON Schema parameters', async () => {
  const res = await homing.admin('/api/automations');
  expect(res.body.automations.map((a: { id: string }) => a.id)).toEqual(['email-then-sms', 'single-send']);
  const ets = res.body.automations[0];
  expect(ets.parameters.required.sort()).toEqual(['emailTemplate', 'smsTemplate']);
  expect(ets.parameters.properties.wait.default).toBe('24h');
});

it('rejects mappings that cannot run, naming the problem', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ automation: 'fax-blast' }, /unknown automation "fax-blast"; the catalog has: email-then-sms, single-send/],
    [{ params: { channel: 'pigeon', template: 'mail' } }, /params do not fit automation "single-send".*channel/s],
    [{ params: { channel: 'email', template: 'mail', contactWait: 'soon' } }, /contactWait/],
    [{ params: { channel: 'email', template: 'nope' } }, /template: template "nope" does not exist or has no published version/],
    [{ params: { channel: 'email', template: 'unpublished' } }, /template "unpublished" does not exist or has no published version/],
    [{ params: { channel: 'sms', template: 'mail' } }, /template "mail" is a email template; this parameter needs sms/],
    [{ trigger: { type: 'track' } }, /trigger/],
    [{ trigger: { type: 'webhook' } }, /trigger/],
  ];
  for (const [over, error] of cases) {
    const res = await homing.admin('/api/mappings', { method: 'POST', body: mapping(over) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
  }
  // A draft may name templates that are not published yet.
  const draft = await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'draft', status: 'draft', params: { channel: 'email', template: 'unpublished' } }) });
  expect(draft.status).toBe(201);
  expect(draft.body).toMatchObject({ id: 'draft', status: 'draft', version: 1, params: { contactWait: '5m' } });
});

it('creates, versions, reads and deletes mappings', async () => {
  const created = await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'crud' }) });
  expect(created.status).toBe(201);
  expect((await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'crud' }) })).status).toBe(409);
  const updated = await homing.admin('/api/mappings/crud', { method: 'PUT', body: mapping({ cancelOn: ['Left'] }) });
  expect(updated.body).toMatchObject({ id: 'crud', version: 2, cancelOn: ['Left'] });
  expect((await homing.admin('/api/mappings/crud')).body.version).toBe(2);
  expect((await homing.admin('/api/mappings')).body.mappings.map((m: { id: string }) => m.id)).toContain('crud');
  expect((await homing.admin('/api/mappings/crud', { method: 'DELETE' })).body).toEqual({ deleted: true });
  expect((await homing.admin('/api/mappings/crud')).status).toBe(404);
  expect((await homing.admin('/api/mappings/crud', { method: 'PUT', body: mapping() })).status).toBe(404);
});

it('a run keeps the mapping and template versions it started with; runs are findable in Temporal by user', async () => {
  const m = await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'pinned', trigger: { type: 'track', event: 'Pinned' }, params: { channel: 'sms', template: 'text', contactWait: '1m' } }) });
  expect(m.status).toBe(201);
  // No phone: the run waits for one, pinned to mapping v1 and template v1.
  await send({ type: 'track', userId: 'pia', event: 'Pinned', messageId: 'pia-pinned' });
  const run = await eventually(async () => (await runsOf('pia')).find((r) => r.status === 'running'));
  expect(run.temporalUiUrl).toBe(`http://temporal-ui.test:8080/namespaces/default/workflows/${encodeURIComponent(run.id)}`);
  await homing.admin('/api/templates/text', { method: 'PUT', body: { content: { text: 'Hi, v2' } } });
  await homing.admin('/api/templates/text/publish', { method: 'POST', body: {} });
  await homing.admin('/api/mappings/pinned', { method: 'PUT', body: mapping({ trigger: { type: 'track', event: 'Pinned' }, params: { channel: 'sms', template: 'text', contactWait: '2m' } }) });
  await send({ type: 'identify', userId: 'pia', traits: { phone: '+15550109999' }, messageId: 'pia-phone' });
  const sms = await eventually(async () => (await homing.admin('/api/mailbox?channel=sms&to=%2B15550109999')).body.messages[0], 30_000, "Pia's SMS");
  expect(sms.text).toBe('Hi');
  const detail = await homing.admin(`/api/runs/${encodeURIComponent(run.id)}`);
  expect(detail.body).toMatchObject({ mapping: { id: 'pinned', version: 1 }, input: { params: { contactWait: '1m' }, templates: { template: { id: 'text', version: 1 } } } });

  const found = [];
  for await (const wf of temporal.workflow.list({ query: `HomingUserId = "pia" AND HomingMapping = "pinned" AND HomingAutomation = "single-send"` })) found.push(wf.workflowId);
  expect(found).toEqual([run.id]);
});

it('cancels a run through the API; a second cancel is a 409', async () => {
  await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'slow', trigger: { type: 'track', event: 'Slow' }, params: { channel: 'email', template: 'mail', contactWait: '10m' } }) });
  await send({ type: 'track', userId: 'cal', event: 'Slow', messageId: 'cal-slow' });
  const run = await eventually(async () => (await runsOf('cal')).find((r) => r.status === 'running'));
  const canceled = await homing.admin(`/api/runs/${encodeURIComponent(run.id)}/cancel`, { method: 'POST' });
  expect(canceled.status).toBe(200);
  await eventually(async () => (await runsOf('cal'))[0].status === 'canceled', 20_000, 'run canceled');
  const [message] = (await homing.admin('/api/messages?userId=cal')).body.messages;
  expect(message.status).toBe('CANCELED');
  const again = await homing.admin(`/api/runs/${encodeURIComponent(run.id)}/cancel`, { method: 'POST' });
  expect(again.status).toBe(409);
  expect((await homing.admin('/api/runs/nope/cancel', { method: 'POST' })).status).toBe(404);
});

it('starts runs on a first identify and on entering an Engage audience, once each', async () => {
  await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'first', trigger: { type: 'identify' } }) });
  await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'vip', trigger: { type: 'audience', audience: 'vip_users' } }) });
  const audience = (member: boolean, messageId: string) =>
    send({ type: 'identify', userId: 'ivy', messageId, traits: { vip_users: member }, context: { personas: { computation_class: 'audience', computation_key: 'vip_users' } } });
  await send({ type: 'identify', userId: 'ivy', traits: { email: 'ivy@example.com', name: 'Ivy' }, messageId: 'ivy-1' });
  await send({ type: 'identify', userId: 'ivy', traits: { plan: 'pro' }, messageId: 'ivy-2' });
  await audience(true, 'ivy-vip-1');
  await audience(true, 'ivy-vip-again');
  await audience(false, 'ivy-vip-out');
  await audience(true, 'ivy-vip-2');
  const runs = await eventually(async () => {
    const r = await runsOf('ivy');
    return r.length >= 3 && r.every((x) => x.status === 'completed') ? r : undefined;
  }, 30_000, "Ivy's runs");
  expect(runs.map((r) => `${r.mapping.id}:${r.trigger.event}:${r.trigger.messageId}`).sort()).toEqual([
    'first:identify:ivy-1',
    'vip:audience:vip_users:ivy-vip-1',
    'vip:audience:vip_users:ivy-vip-2',
  ]);
});

it('two starters racing for one pending run start it once and cancel nothing', async () => {
  await homing.admin('/api/mappings', { method: 'POST', body: mapping({ id: 'race', trigger: { type: 'track', event: 'Race' }, params: { channel: 'email', template: 'mail', contactWait: '10m' } }) });
  await send({ type: 'track', userId: 'ray', event: 'Race', messageId: 'ray-race-1' });
  const started = await eventually(async () => (await runsOf('ray')).find((r) => r.status === 'running'));
  // A second run of the same shape, recorded but not started, as the shard drain leaves it for its starters.
  const id = started.id.replace('ray-race-1', 'ray-race-2');
  const { rows } = await homing.pool.query('SELECT * FROM runs WHERE id = $1', [started.id]);
  await insertRun(homing.pool, { ...rows[0], id, trigger_message_id: 'ray-race-2', input: { ...rows[0].input, runId: id } });
  const runs = new RunControl({ pool: homing.pool, temporal, taskQueue: homing.config.temporal.taskQueue, log: createLogger('silent') });
  await Promise.all([runs.start(id), runs.start(id), runs.start(id)]);
  expect((await homing.admin(`/api/runs/${encodeURIComponent(id)}`)).body.status).toBe('running');
  const history = await temporal.workflow.getHandle(id).fetchHistory();
  expect(history.events!.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(false);
  expect((await temporal.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
});

it('answers bad input on the run, message and mailbox routes with a 4xx naming the problem', async () => {
  const cases: Array<[string, number, RegExp]> = [
    ['/api/runs/no-such-run', 404, /no run "no-such-run"/],
    ['/api/messages/msg_nope', 404, /no message "msg_nope"/],
    ['/api/runs?status=sleeping', 400, /status/],
    ['/api/runs?limit=0', 400, /limit/],
    ['/api/messages?limit=5000', 400, /limit/],
    ['/api/mailbox?channel=fax', 400, /channel/],
    ['/api/mailbox?cursor=abc', 400, /cursor must be the nextCursor of an earlier page/],
  ];
  for (const [path, status, error] of cases) {
    const res = await homing.admin(path);
    expect([path, res.status]).toEqual([path, status]);
    expect(res.body.error).toMatch(error);
  }
  const anonymous = await fetch(`${homing.url}/api/runs`);
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toEqual({ error: expect.stringMatching(/admin token/) });
});

it('pages through the mailbox with nextCursor', async () => {
  const first = await homing.admin('/api/mailbox?limit=1');
  expect(first.body.messages).toHaveLength(1);
  expect(first.body.nextCursor).toBe(first.body.messages[0].id);
  const second = await homing.admin(`/api/mailbox?limit=1&cursor=${first.body.nextCursor}`);
  expect(second.body.messages).toHaveLength(1);
  expect(Number(second.body.messages[0].id)).toBeLessThan(Number(first.body.messages[0].id));
});
