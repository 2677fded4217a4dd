import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/** traits.email comes from event data: over real SMTP, a hostile value must never reach anyone but one validated recipient. */
let homing: TestHoming;
let sink: SmtpSink;

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });

beforeAll(async () => {
  sink = await startSmtpSink();
  homing = await startHoming({ env: { EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url, EMAIL_FROM: 'Homing <noreply@homing.test>' } });
  const template = { id: 'hello', name: 'Hello', channel: 'email', content: { subject: 'Hello', text: 'hello' } };
  expect((await homing.admin('/api/templates', { method: 'POST', body: template })).status).toBe(201);
  expect((await homing.admin('/api/templates/hello/publish', { method: 'POST', body: {} })).status).toBe(200);
  const mapping = { id: 'hello', name: 'hello', status: 'published', automation: 'single-send', trigger: { type: 'track', event: 'Hello' }, params: { channel: 'email', template: 'hello' } };
  expect((await homing.admin('/api/mappings', { method: 'POST', body: mapping })).status).toBe(201);
}, 120_000);
afterAll(async () => {
  await homing?.stop();
  await sink?.close();
});

async function hello(userId: string, email: string) {
  await send({ type: 'identify', userId, traits: { email }, messageId: `${userId}-identify` });
  await send({ type: 'track', userId, event: 'Hello', messageId: `${userId}-hello` });
  await eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[]).find((r) => r.status === 'completed'), 20_000, `${userId}'s run`);
  const [message] = (await homing.admin(`/api/messages?userId=${userId}`)).body.messages;
  return message;
}

const hostile = [
  ['a comma-separated list', 'a@example.com, evil@attacker.test'],
  ['a semicolon-separated list', 'a@example.com;evil@attacker.test'],
  ['group syntax', 'undisclosed:e1@attacker.test,e2@attacker.test;'],
  ['a Bcc header after CR LF', 'a@example.com\r\nBcc: evil@attacker.test'],
  ['a display name hiding another address', '"a@example.com" <evil@attacker.test>'],
];

it.each(hostile.map(([what, email], i) => [what, email, `hostile${i}`]))('%s is UNDELIVERABLE (invalid-address) and reaches nobody', async (_, email, userId) => {
  const message = await hello(userId!, email!);
  expect(message).toMatchObject({ status: 'UNDELIVERABLE', reason: 'invalid-address' });
  const recipients = sink.messages.flatMap((m) => m.envelope.to);
  expect(recipients.filter((r) => /attacker|^a@example\.com$/.test(r))).toEqual([]);
});

it('a good address is delivered exactly once, to exactly that recipient', async () => {
  const message = await hello('good', 'good@example.com');
  expect(message).toMatchObject({ status: 'SENT', recipient: 'good@example.com' });
  const delivered = sink.messages.filter((m) => m.envelope.to.includes('good@example.com'));
  expect(delivered).toHaveLength(1);
  expect(delivered[0]!.envelope).toEqual({ from: 'noreply@homing.test', to: ['good@example.com'] });
  expect(delivered[0]!.to).toBe('good@example.com');
  expect(sink.messages.flatMap((m) => m.envelope.to).filter((r) => /attacker/.test(r))).toEqual([]);
});
