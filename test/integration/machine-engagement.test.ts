import { API_KEY, basic, eventually, post, startHoming, startOwnApi, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { RunControl } from '../../src/automations/runs';
import { lazyClient } from '../../src/temporal/connection';
import { createLogger } from '../../src/logger';
import { recordMessageEvent } from '../../src/messaging/engagement';
import { getMessageRow } from '../../src/db/messages';

/**
 * email-then-sms on the dev server with the mailbox providers: opens and
 * clicks that machines make (mail scanners, Apple Mail Privacy Protection,
 * HEAD probes, the hidden honeypot link) stay on the timeline but do not end
 * the email wait, so the SMS fallback still goes out; a person's click does.
 */
let homing: TestHoming;

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SCANNER = 'Mozilla/5.0 (compatible; Mimecast-URL-Protect/1.0)';
const APPLE_PROXY = 'Mozilla/5.0';
const PHONES: Record<string, string> = { scan: '+15550100401', hum: '+15550100402', mpp: '+15550100403', opn: '+15550100404', cnt: '+15550100405', prv: '+15550100406' };

interface Mail {
  messageId: string;
  html: string;
}
const mails: Record<string, Mail> = {};
/** What the machine requests got back, made as soon as each email arrived (as scanners do). */
const machine: Record<string, Response> = {};

const send = (body: Record<string, unknown>) => post(`${homing.url}/segment`, JSON.stringify(body), { authorization: basic(API_KEY) });
const get = (url: string, userAgent: string | undefined, method = 'GET') => fetch(url, { method, redirect: 'manual', headers: userAgent === undefined ? {} : { 'user-agent': userAgent } });
const linkIn = (mail: Mail, kind: 'o' | 'c' | 'h') => new RegExp(`"(http://[^"]+/t/${kind}/[^"]+)"`).exec(mail.html)![1]!;
const messageOf = async (id: string) => (await homing.admin(`/api/messages/${id}`)).body;
const smsTo = (userId: string) =>
  eventually(async () => (await homing.admin(`/api/mailbox?channel=sms&to=${encodeURIComponent(PHONES[userId]!)}`)).body.messages[0], 40_000, `${userId}'s SMS`);
const endedRun = (userId: string) =>
  eventually(async () => ((await homing.admin(`/api/runs?userId=${userId}`)).body.runs as any[]).find((r) => r.status === 'completed'), 40_000, `${userId}'s run to end`);
const outcomeRows = async (messageId: string) =>
  (await homing.pool.query<{ status: string; properties: Record<string, unknown> }>('SELECT status, properties FROM outcomes WHERE message_id = $1 ORDER BY id', [messageId])).rows;

/** Signals this Homing's runs on the shared Temporal dev server, as its API does. */
async function withRunControl<T>(fn: (temporal: ReturnType<typeof lazyClient>, runs: RunControl) => Promise<T>): Promise<T> {
  const temporal = lazyClient({ ...homing.config.temporal, address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! });
  try {
    return await fn(temporal, new RunControl({ pool: homing.pool, temporal, taskQueue: homing.config.temporal.taskQueue, log: createLogger('silent') }));
  } finally {
    await temporal.connection.close();
  }
}

const engagementEntries = (message: any) =>
  (message.timeline as Array<{ kind: string; source: string; detail: Record<string, any>; at: string }>).filter((e) => e.kind === 'OPENED' || e.kind === 'CLICKED');

beforeAll(async () => {
  homing = await startHoming({ env: { ENGAGEMENT_MACHINE_CLICK_SECONDS: '5' } });
  await publishTemplates(homing);
  await publishMapping(homing, {
    id: 'trial',
    trigger: { type: 'track', event: 'Trial Started' },
    automation: 'email-then-sms',
    params: { emailTemplate: 'welcome', smsTemplate: 'nudge', wait: '15s', smsWait: '5s' },
  });
  const users = Object.keys(PHONES);
  for (const userId of users) {
    await send({ type: 'identify', userId, traits: { name: userId, email: `${userId}@example.com`, phone: PHONES[userId] }, messageId: `${userId}-identify` });
    await send({ type: 'track', userId, event: 'Trial Started', messageId: `${userId}-trial` });
  }
  await Promise.all(
    users.map(async (userId) => {
      mails[userId] = await eventually(async () => (await homing.admin(`/api/mailbox?channel=email&to=${userId}@example.com`)).body.messages[0], 20_000, `${userId}'s email`);
    }),
  );
  machine.scan = await get(linkIn(mails.scan!, 'c'), SCANNER);
  machine.hum = await get(linkIn(mails.hum!, 'c'), SCANNER);
  machine.mppOpen = await get(linkIn(mails.mpp!, 'o'), APPLE_PROXY);
  machine.mppHead = await get(linkIn(mails.mpp!, 'c'), BROWSER, 'HEAD');
  machine.mppHoneypot = await get(linkIn(mails.mpp!, 'h'), BROWSER);
}, 120_000);
afterAll(() => homing?.stop());

// The runs that should end engaged go first: their clicks and opens must come before the 15 s email wait ends.
it('a machine click, then a person clicking the same link after the window: the run ends engaged, no SMS', async () => {
  expect(machine.hum!.status).toBe(302);
  const { messageId } = mails.hum!;
  // Past the machine window (5 s after sending, by Postgres' clock, which the timeline uses).
  await eventually(async () => {
    const { rows } = await homing.pool.query<{ s: number }>(`SELECT extract(epoch FROM now() - (status_times->>'SENT')::timestamptz)::float8 AS s FROM messages WHERE id = $1`, [messageId]);
    return rows[0]!.s > 5.5;
  }, 20_000, 'the machine window to pass');
  expect(await messageOf(messageId)).toMatchObject({ status: 'SENT' });

  const human = await get(linkIn(mails.hum!, 'c'), BROWSER);
  expect(human.status).toBe(302);
  expect(human.headers.get('location')).toBe('https://example.com/start?plan=basic');
  expect((await endedRun('hum')).result).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });

  const email = await messageOf(messageId);
  expect(email.status).toBe('CLICKED');
  expect(engagementEntries(email).map((e) => `${e.kind}:${e.detail.engagement}:${e.detail.rule}`)).toEqual(['CLICKED:machine:scanner-agent', 'CLICKED:human:no-machine-signal']);
  expect(engagementEntries(email)[1]!.detail.secondsSinceSent).toBeGreaterThan(5);
  expect(await outcomeRows(messageId)).toEqual([
    { status: 'SENT', properties: {} },
    { status: 'CLICKED', properties: { engagement: 'human' } },
  ]);
  expect((await homing.admin(`/api/mailbox?channel=sms&to=${encodeURIComponent(PHONES.hum!)}`)).body.messages).toEqual([]);
}, 60_000);
it("a person's open ends the wait, and its Message Opened outcome carries engagement: 'human'", async () => {
  const pixel = await get(linkIn(mails.opn!, 'o'), BROWSER);
  expect(pixel.status).toBe(200);
  expect((await endedRun('opn')).result).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
  const email = await messageOf(mails.opn!.messageId);
  expect(email.status).toBe('OPENED');
  expect(engagementEntries(email)).toMatchObject([{ kind: 'OPENED', source: 'pixel', detail: { engagement: 'human', userAgent: BROWSER } }]);
  expect(await outcomeRows(mails.opn!.messageId)).toEqual([
    { status: 'SENT', properties: {} },
    { status: 'OPENED', properties: { engagement: 'human' } },
  ]);
}, 60_000);
it("provider-reported opens go through the same policy: SendGrid's sg_machine_open stays on the timeline, a person's open ends the wait", async () => {
  const { messageId } = mails.prv!;
  const sendgridOpen = (id: string, fields: Record<string, unknown>) => ({
    status: 'OPENED' as const,
    source: 'sendgrid',
    dedupeKey: `sendgrid:${id}`,
    detail: { event: 'open', sgEventId: id, timestamp: Math.floor(Date.now() / 1000), ...fields },
  });
  await withRunControl(async (_temporal, runs) => {
    const proxied = await recordMessageEvent(homing.pool, runs, (await getMessageRow(homing.pool, messageId))!, sendgridOpen('ev-1', { useragent: 'Mozilla/5.0', ip: '17.58.100.3', sgMachineOpen: true }));
    expect(proxied).toEqual({ recorded: true });
    expect((await messageOf(messageId)).status).toBe('SENT');
    await recordMessageEvent(homing.pool, runs, (await getMessageRow(homing.pool, messageId))!, sendgridOpen('ev-2', { useragent: BROWSER, ip: '198.51.100.7', sgMachineOpen: false }));
    expect((await endedRun('prv')).result).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
  });
  const email = await messageOf(messageId);
  expect(engagementEntries(email).map((e) => `${e.source}:${e.detail.engagement}:${e.detail.rule}`)).toEqual(['sendgrid:machine:provider-verdict', 'sendgrid:human:provider-verdict']);
  expect(engagementEntries(email)[0]!.detail).toMatchObject({ useragent: 'Mozilla/5.0', ip: '17.58.100.3', sgMachineOpen: true });
  expect((await outcomeRows(messageId)).map((o) => [o.status, o.properties])).toEqual([
    ['SENT', {}],
    ['OPENED', { engagement: 'human' }],
  ]);
}, 60_000);

it('counting machines (as ENGAGEMENT_COUNT_MACHINE=true does), a scanner click counts and its outcome says machine; the honeypot never counts', async () => {
  await withRunControl(async (temporal, runs) => {
    // An API of its own on this Homing's database and Temporal, with machines counted.
    const api = await startOwnApi(homing, { temporal, runs, trackingSecret: homing.config.trackingSecret, engagement: { machineClickSeconds: 5, countMachine: true } });
    try {
      const own = (kind: 'c' | 'h') => linkIn(mails.cnt!, kind).replace(homing.url, api.url);
      expect((await get(own('h'), SCANNER)).status).toBe(204);
      expect((await messageOf(mails.cnt!.messageId)).status).toBe('SENT');
      expect((await get(own('c'), SCANNER)).status).toBe(302);
      expect((await endedRun('cnt')).result).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
    } finally {
      api.close();
    }
  });
  const email = await messageOf(mails.cnt!.messageId);
  expect(email.status).toBe('CLICKED');
  expect(engagementEntries(email).map((e) => `${e.source}:${e.detail.engagement}:${e.detail.rule}`)).toEqual(['honeypot:machine:honeypot-link', 'click:machine:scanner-agent']);
  expect(await outcomeRows(mails.cnt!.messageId)).toEqual([
    { status: 'SENT', properties: {} },
    { status: 'CLICKED', properties: { engagement: 'machine' } },
  ]);
}, 60_000);

it('a scanner click right after delivery is on the timeline as machine, and the run still sends the SMS', async () => {
  expect(machine.scan!.status).toBe(302);
  expect(machine.scan!.headers.get('location')).toBe('https://example.com/start?plan=basic');
  const sms = await smsTo('scan');
  expect(sms.text).toMatch(/^scan, your trial is waiting: /);

  const email = await messageOf(mails.scan!.messageId);
  expect(email.status).toBe('SENT');
  const [click, ...others] = engagementEntries(email);
  expect(others).toEqual([]);
  expect(click).toMatchObject({
    kind: 'CLICKED',
    source: 'click',
    detail: { engagement: 'machine', rule: 'scanner-agent', scanner: 'Mimecast', userAgent: SCANNER, method: 'GET', url: 'https://example.com/start?plan=basic' },
  });
  expect(typeof click!.detail.ip).toBe('string');
  expect(click!.detail.secondsSinceSent).toBeGreaterThanOrEqual(0);
  // The click was in before the wait ended, and still the SMS went out.
  expect(Date.parse(click!.at)).toBeLessThan(Date.parse(sms.createdAt));
  expect((await endedRun('scan')).result).toEqual({ outcome: 'ignored' });
  expect((await outcomeRows(mails.scan!.messageId)).map((o) => o.status)).toEqual(['SENT']);
}, 60_000);
it("an Apple Mail Privacy Protection open does not end the wait; a HEAD redirects and the honeypot answers, both recorded as machine", async () => {
  expect(machine.mppOpen!.status).toBe(200);
  expect(machine.mppOpen!.headers.get('content-type')).toBe('image/gif');
  expect(machine.mppHead!.status).toBe(302);
  expect(machine.mppHead!.headers.get('location')).toBe('https://example.com/start?plan=basic');
  expect(machine.mppHoneypot!.status).toBe(204);

  const sms = await smsTo('mpp');
  const email = await messageOf(mails.mpp!.messageId);
  expect(email.status).toBe('SENT');
  const entries = engagementEntries(email);
  expect(entries.map((e) => `${e.kind}:${e.source}:${e.detail.engagement}:${e.detail.rule}`)).toEqual([
    'OPENED:pixel:machine:apple-mail-privacy-protection',
    'CLICKED:click:machine:head-request',
    'CLICKED:honeypot:machine:honeypot-link',
  ]);
  expect(entries[0]!.detail).toMatchObject({ userAgent: APPLE_PROXY, method: 'GET' });
  expect(entries[1]!.detail).toMatchObject({ method: 'HEAD', url: 'https://example.com/start?plan=basic' });
  for (const e of entries) expect(Date.parse(e.at)).toBeLessThan(Date.parse(sms.createdAt));
  expect((await endedRun('mpp')).result).toEqual({ outcome: 'ignored' });
  expect((await outcomeRows(mails.mpp!.messageId)).map((o) => o.status)).toEqual(['SENT']);
}, 60_000);
it('a forged honeypot token is 404 like any unknown tracking link', async () => {
  const honeypot = linkIn(mails.opn!, 'h');
  const res = await get(`${honeypot.slice(0, -2)}AA`, BROWSER);
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: 'unknown tracking link' });
  // A click token is not a honeypot token.
  expect((await get(linkIn(mails.opn!, 'c').replace('/t/c/', '/t/h/'), BROWSER)).status).toBe(404);
});
