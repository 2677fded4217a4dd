import { eventually, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/**
 * POST /api/templates/:id/test-send: a template rendered as a send renders it
 * and handed to the channel's configured provider, with no run and no message
 * row (so no outcome). Mailbox by default; the real SMTP sink with EMAIL_PROVIDER=smtp.
 */
let homing: TestHoming;
let smtpHoming: TestHoming;
let sink: SmtpSink;

const welcome = {
  id: 'welcome',
  name: 'Welcome',
  channel: 'email',
  content: { subject: 'Hi {{ profile.name | default: "there" }}', html: '<p>Your {{ data.plan | default: "free" }} plan, {{ profile.userId | default: "friend" }}</p>' },
};
const nudge = { id: 'nudge', name: 'Nudge', channel: 'sms', content: { text: 'Hi {{ profile.name | default: "there" }}' } };

async function createTemplates(h: TestHoming): Promise<void> {
  for (const t of [welcome, nudge]) expect((await h.admin('/api/templates', { method: 'POST', body: t })).status).toBe(201);
}

beforeAll(async () => {
  sink = await startSmtpSink();
  [homing, smtpHoming] = await Promise.all([startHoming({ worker: false }), startHoming({ worker: false, env: { EMAIL_PROVIDER: 'smtp', SMTP_URL: sink.url } })]);
  await Promise.all([createTemplates(homing), createTemplates(smtpHoming)]);
});
afterAll(async () => {
  await Promise.all([homing?.stop(), smtpHoming?.stop()]);
  await sink?.close();
});

const testSend = (h: TestHoming, id: string, body: unknown) => h.admin(`/api/templates/${id}/test-send`, { method: 'POST', body });

describe('POST /api/templates/:id/test-send', () => {
  it('renders the draft and stores it in the mailbox, with no message or run', async () => {
    const sent = await testSend(homing, 'welcome', { to: 'grace@example.com' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ channel: 'email', provider: 'mailbox', to: 'grace@example.com', rendered: { subject: 'Hi there' } });
    expect(sent.body.messageId).toMatch(/^test_/);
    const mailbox = await homing.admin('/api/mailbox?to=grace@example.com');
    expect(mailbox.body.messages).toEqual([
      expect.objectContaining({ messageId: sent.body.messageId, channel: 'email', subject: 'Hi there', html: '<p>Your free plan, friend</p>', headers: { 'X-Homing-Test': 'true' } }),
    ]);
    const { rows } = await homing.pool.query('SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM runs)::int AS runs');
    expect(rows[0]).toEqual({ messages: 0, runs: 0 });
  });

  it('renders against a real profile and a logged event, and a published version', async () => {
    expect((await homing.admin('/api/profiles/ada', { method: 'PUT', body: { traits: { name: 'Ada', email: 'ada@example.com' } } })).status).toBe(200);
    const track = await fetch(`${homing.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('test-api-key:').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'ada', event: 'Trial Started', properties: { plan: 'pro' }, messageId: 'evt-1' }),
    });
    expect(track.status).toBe(200);
    const event = await eventually(async () => (await homing.admin('/api/events?type=track')).body.events[0]);
    expect((await homing.admin('/api/templates/welcome/publish', { method: 'POST' })).status).toBe(200);
    expect((await homing.admin('/api/templates/welcome', { method: 'PUT', body: { content: { subject: 'Changed', text: 'x' } } })).status).toBe(200);

    const sent = await testSend(homing, 'welcome', { to: 'qa@example.com', version: 1, profileId: 'ada', eventId: event.id });
    expect(sent.status).toBe(200);
    expect(sent.body.rendered).toEqual({ subject: 'Hi Ada', html: '<p>Your pro plan, ada</p>' });

    // The version's own content, for the editor's diff.
    expect((await homing.admin('/api/templates/welcome/versions/1')).body).toEqual({ version: 1, channel: 'email', content: welcome.content });
    for (const v of ['2', 'x', '99999999999']) expect((await homing.admin(`/api/templates/welcome/versions/${v}`)).status).toBe(404);

    const sms = await testSend(homing, 'nudge', { to: '+14155550100', profileId: 'ada' });
    expect(sms.status).toBe(200);
    const mailbox = await homing.admin('/api/mailbox?channel=sms');
    expect(mailbox.body.messages[0]).toMatchObject({ messageId: sms.body.messageId, to: '+14155550100', text: 'Hi Ada' });
  });

  it('refuses bad input with a 400 naming the problem', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['welcome', {}, /to/],
      ['welcome', { to: 42 }, /to/],
      ['welcome', { to: 'a@example.com, b@example.com' }, /one plain email address/],
      ['nudge', { to: 'not-a-phone' }, /E\.164/],
      ['welcome', { to: 'a@example.com', version: 0 }, /version/],
      ['welcome', { to: 'a@example.com', eventId: 'abc' }, /eventId/],
      ['welcome', { to: 'a@example.com', extra: true }, /extra/],
    ];
    for (const [id, body, message] of cases) {
      const res = await testSend(homing, id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error).toMatch(message);
    }
    // A template that does not render (an unknown variable) names its field.
    await homing.admin('/api/templates', { method: 'POST', body: { id: 'broken', name: 'Broken', channel: 'sms', content: { text: 'Hi {{ profile.nickname }}' } } });
    const broken = await testSend(homing, 'broken', { to: '+14155550100' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ details: { field: 'text' } });
    expect(broken.body.error).toMatch(/profile\.nickname/);
  });

  it('answers 404 for an unknown template, version, profile or event', async () => {
    for (const [id, body, message] of [
      ['nope', { to: 'a@example.com' }, /no template "nope"/],
      ['welcome', { to: 'a@example.com', version: 99 }, /no published version 99/],
      ['welcome', { to: 'a@example.com', profileId: 'nobody' }, /no profile "nobody"/],
      ['welcome', { to: 'a@example.com', eventId: '999999' }, /no event 999999/],
    ] as const) {
      const res = await testSend(homing, id, body);
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      expect(res.body.error).toMatch(message);
    }
  });

  it('sends through the real SMTP server when EMAIL_PROVIDER=smtp', async () => {
    const sent = await testSend(smtpHoming, 'welcome', { to: 'smtp-test@example.com' });
    expect(sent.status).toBe(200);
    expect(sent.body.provider).toBe('smtp');
    const mail = await sink.waitFor((m) => m.envelope.to.includes('smtp-test@example.com'));
    expect(mail.subject).toBe('Hi there');
    expect(mail.html?.trim()).toBe('<p>Your free plan, friend</p>');
    expect(mail.headers['x-homing-test']).toBe('true');
    expect((await smtpHoming.admin('/api/mailbox')).body.messages).toEqual([]);
  });

  it("preview renders unsaved content (the editor's check as you type), naming the field, line and column of a Liquid error", async () => {
    const ok = await homing.admin('/api/templates/nudge/preview', { method: 'POST', body: { content: { text: 'Now {{ data.plan }}' }, data: { plan: 'pro' } } });
    expect(ok.body).toEqual({ channel: 'sms', rendered: { text: 'Now pro' } });
    const bad = await homing.admin('/api/templates/welcome/preview', { method: 'POST', body: { content: { subject: 'Hi', html: '<p>\n  {{ data.plan </p>' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual({ field: 'html' });
    expect(bad.body.error).toMatch(/line:2, col:3/);
    expect((await homing.admin('/api/templates/nudge/preview', { method: 'POST', body: { content: { subject: 'x' } } })).status).toBe(400);
  });

  it('is refused without credentials', async () => {
    const res = await fetch(`${homing.url}/api/templates/welcome/test-send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":"a@example.com"}' });
    expect(res.status).toBe(401);
  });
});
