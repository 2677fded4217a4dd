import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';
import { startSlackSink, type SlackSink } from '../helpers/slack-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { loadConfig } from '../../src/config';
import { createProviders } from '../../src/messaging/providers';
import { listMailbox } from '../../src/messaging/providers/mailbox';
import { SlackWebApiProvider } from '../../src/messaging/providers/slack';
import { ProviderError } from '../../src/messaging/providers/types';
import { messageIdFor } from '../../src/messaging/send';
import { twilioSignature } from '../../src/webhooks/twilio';

/** Slack and WhatsApp through the channel registry: templates, sends through wire-format sinks, outcomes. */
let homing: TestHoming;
let slack: SlackSink;
let twilio: TwilioSink;
const WHATSAPP_FROM = '+14155238886';

const TEMPLATES = [
  { id: 'slack-nudge', name: 'Slack nudge', channel: 'slack', content: { text: 'Hi {{ profile.name }}, try it: https://example.com/feature?u={{ profile.userId }}' } },
  { id: 'wa-nudge', name: 'WhatsApp nudge', channel: 'whatsapp', content: { text: 'Hi {{ profile.name }}, try it: https://example.com/feature' } },
];

beforeAll(async () => {
  slack = await startSlackSink();
  twilio = await startTwilioSink();
  homing = await startHoming({
    env: {
      SLACK_PROVIDER: 'slack',
      SLACK_API_URL: slack.url,
      SLACK_BOT_TOKEN: slack.botToken,
      WHATSAPP_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_API_URL: twilio.url,
      TWILIO_WHATSAPP_FROM: WHATSAPP_FROM,
    },
  });
  await publishTemplates(homing, TEMPLATES);
  await publishMapping(homing, { id: 'slack-send', trigger: { type: 'track', event: 'Slack Me' }, automation: 'single-send', params: { channel: 'slack', template: 'slack-nudge', contactWait: '1s' } });
  await publishMapping(homing, { id: 'wa-send', trigger: { type: 'track', event: 'WhatsApp Me' }, automation: 'single-send', params: { channel: 'whatsapp', template: 'wa-nudge', contactWait: '1s' } });
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await slack?.close();
  await twilio?.close();
});

interface Message {
  status: string;
  reason: string | null;
  channel: string;
  provider: string;
  recipient: string | null;
  providerMessageId: string | null;
  timeline: Array<{ kind: string; source: string; detail: Record<string, unknown> }>;
}

const message = async (id: string) => (await homing.admin(`/api/messages/${id}`)).body as Message;

/** Identify with these traits, then the mapped event; answers the run id and its message id. */
async function trigger(userId: string, event: string, traits: Record<string, unknown>): Promise<{ runId: string; messageId: string }> {
  const batch = [
    { type: 'identify', userId, messageId: `${userId}-identify`, traits: { name: userId, ...traits } },
    { type: 'track', userId, event, messageId: `${userId}-track` },
  ];
  expect((await post(`${homing.url}/segment`, JSON.stringify({ batch }), { authorization: basic(API_KEY) })).status).toBe(200);
  const run = await eventually(async () => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs[0] as { id: string } | undefined, 20_000, `${userId}'s run`);
  return { runId: run.id, messageId: messageIdFor(run.id, 'message') };
}

const statusOf = (id: string, status: string) => eventually(async () => ((await message(id)).status === status ? message(id) : undefined), 30_000, `${id} to be ${status}`);

const runEnded = (runId: string) =>
  eventually(async () => {
    const run = (await homing.admin(`/api/runs/${runId}`)).body as { status: string; result: unknown };
    return run.status === 'completed' || run.status === 'failed' ? run : undefined;
  }, 30_000, `run ${runId} to end`);

describe('templates of every registered channel', () => {
  it('creates, publishes and previews Slack and WhatsApp templates', async () => {
    const preview = await homing.admin('/api/templates/slack-nudge/preview', { method: 'POST', body: { profile: { name: 'Ada', userId: 'ada' } } });
    expect(preview).toEqual({ status: 200, body: { channel: 'slack', rendered: { text: 'Hi Ada, try it: https://example.com/feature?u=ada' } } });
    const wa = await homing.admin('/api/templates/wa-nudge/preview', { method: 'POST', body: { profile: { name: 'Ada' }, version: 1 } });
    expect(wa.body).toEqual({ channel: 'whatsapp', rendered: { text: 'Hi Ada, try it: https://example.com/feature' } });
    const list = (await homing.admin('/api/templates')).body.templates as Array<{ id: string; channel: string; publishedVersion: number }>;
    expect(list.map((t) => [t.id, t.channel, t.publishedVersion])).toEqual([
      ['slack-nudge', 'slack', 1],
      ['wa-nudge', 'whatsapp', 1],
    ]);
  });

  it('takes Slack blocks as a Liquid JSON string, and refuses blocks that do not render to a JSON array', async () => {
    const blocks = '[{"type":"section","text":{"type":"mrkdwn","text":"Hi {{ profile.name }}"}}]';
    const created = await homing.admin('/api/templates', { method: 'POST', body: { id: 'slack-blocks', name: 'Blocks', channel: 'slack', content: { text: 'Hi', blocks } } });
    expect(created.status).toBe(201);
    const preview = await homing.admin('/api/templates/slack-blocks/preview', { method: 'POST', body: { profile: { name: 'Ada' } } });
    expect(JSON.parse(preview.body.rendered.blocks)).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Hi Ada' } }]);
    // Whether Liquid makes a JSON array shows when it renders (a preview here; a send makes such a message UNDELIVERABLE).
    const bad = { text: 'Hi', blocks: '[{% for b in data.blocks %}{{ b }}{% endfor %}' };
    expect((await homing.admin('/api/templates', { method: 'POST', body: { id: 'slack-bad', name: 'Bad', channel: 'slack', content: bad } })).status).toBe(201);
    const refused = await homing.admin('/api/templates/slack-bad/preview', { method: 'POST', body: { data: { blocks: ['{}'] } } });
    expect(refused).toEqual({ status: 400, body: { error: 'template field "blocks": must render to a JSON array of Slack blocks', details: { field: 'blocks' } } });
  });

  it('refuses content of another channel and an unknown channel, naming the known ones', async () => {
    const wrong = await homing.admin('/api/templates', { method: 'POST', body: { name: 'x', channel: 'slack', content: { subject: 'Hi', text: 'x' } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatch(/subject/);
    const unknown = await homing.admin('/api/templates', { method: 'POST', body: { name: 'x', channel: 'push', content: { text: 'x' } } });
    expect(unknown.status).toBe(400);
    for (const channel of ['email', 'sms', 'slack', 'whatsapp']) expect(unknown.body.error).toContain(channel);
  });
});

describe('Slack (chat.postMessage)', () => {
  it("sends with the profile's own token to its Slack member id, links tracked; SENT with Slack's ts", async () => {
    slack.tokens.add('xoxp-ada-user-token');
    const { messageId } = await trigger('slack-ada', 'Slack Me', { slackUserId: 'U024BE7LH', tokens: { slackToken: 'xoxp-ada-user-token' } });
    const sent = await statusOf(messageId, 'SENT');
    const posted = slack.messages.find((m) => m.body.channel === 'U024BE7LH')!;
    expect(posted).toMatchObject({ token: 'xoxp-ada-user-token', channel: 'U024BE7LH' });
    expect(posted.body.text).toMatch(new RegExp(`^Hi slack-ada, try it: ${homing.config.publicUrl}/t/c/`));
    expect(sent).toMatchObject({ channel: 'slack', provider: 'slack', recipient: 'U024BE7LH', providerMessageId: `D024BE7LH/${posted.ts}` });
  });

  it("falls back to the installation's bot token, and posts to a channel id from tokens.slackChannel", async () => {
    const { messageId } = await trigger('slack-bob', 'Slack Me', { tokens: { slackChannel: 'C0123TEAM' } });
    await statusOf(messageId, 'SENT');
    expect(slack.messages.find((m) => m.channel === 'C0123TEAM')).toMatchObject({ token: slack.botToken });
  });

  it('makes channel_not_found UNDELIVERABLE for good, and the run goes on to its end', async () => {
    slack.failNext('channel_not_found');
    const before = slack.requests.length;
    const { runId, messageId } = await trigger('slack-gone', 'Slack Me', { slackUserId: 'U0GONE000' });
    const m = await statusOf(messageId, 'UNDELIVERABLE');
    expect(m.reason).toBe('failed');
    expect(JSON.stringify(m.timeline)).toMatch(/channel_not_found/);
    expect(await runEnded(runId)).toMatchObject({ status: 'completed', result: { outcome: 'done', message: { status: 'undeliverable' } } });
    // Not retried: one request.
    expect(slack.requests.slice(before).filter((r) => r.body.channel === 'U0GONE000')).toHaveLength(1);
  });

  it('retries after a 429 (Retry-After) and sends the message once', async () => {
    slack.rateLimitNext(1);
    const { messageId } = await trigger('slack-busy', 'Slack Me', { slackUserId: 'U0BUSY000' });
    await statusOf(messageId, 'SENT');
    const requests = slack.requests.filter((r) => r.body.channel === 'U0BUSY000');
    expect(requests.map((r) => r.status)).toEqual([429, 200]);
    expect(slack.messages.filter((m) => m.channel === 'U0BUSY000')).toHaveLength(1);
  });
});

describe('the Slack provider', () => {
  const provider = () => new SlackWebApiProvider({ botToken: slack.botToken, apiUrl: slack.url });
  const failure = (send: Promise<unknown>) => send.then(() => undefined, (e: unknown) => e as ProviderError);

  it('posts JSON with the Bearer token, without unfurling Homing links, and answers channel/ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }];
    const sent = await provider().send({ messageId: 'msg_p1', channel: 'C0PROVIDER', text: 'hi', blocks: JSON.stringify(blocks) });
    const posted = slack.messages.at(-1)!;
    expect(sent.providerMessageId).toBe(`C0PROVIDER/${posted.ts}`);
    expect(posted.body).toEqual({ channel: 'C0PROVIDER', text: 'hi', blocks, unfurl_links: false, unfurl_media: false });
    expect(slack.requests.at(-1)!.headers['content-type']).toMatch(/^application\/json/);
  });

  it("makes request errors final and Slack's own trouble retryable, a 429 with its Retry-After", async () => {
    for (const error of ['channel_not_found', 'user_not_found', 'not_in_channel', 'is_archived', 'account_inactive', 'token_revoked', 'no_permission', 'msg_too_long']) {
      slack.failNext(error);
      expect(await failure(provider().send({ messageId: 'msg_p2', channel: 'C0PROVIDER', text: 'hi' }))).toMatchObject({ retryable: false, message: `Slack: chat.postMessage: ${error}` });
    }
    expect(await failure(new SlackWebApiProvider({ botToken: 'xoxb-wrong', apiUrl: slack.url }).send({ messageId: 'msg_p3', channel: 'C0PROVIDER', text: 'hi' }))).toMatchObject({ retryable: false, message: 'Slack: chat.postMessage: invalid_auth' });
    slack.failNext('internal_error');
    expect(await failure(provider().send({ messageId: 'msg_p4', channel: 'C0PROVIDER', text: 'hi' }))).toMatchObject({ retryable: true });
    slack.rateLimitNext(30);
    expect(await failure(provider().send({ messageId: 'msg_p5', channel: 'C0PROVIDER', text: 'hi' }))).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it('refuses for good when neither the recipient nor the installation has a token, and retries an unreachable Slack', async () => {
    const noToken = await failure(new SlackWebApiProvider({ apiUrl: slack.url }).send({ messageId: 'msg_p6', channel: 'C0PROVIDER', text: 'hi' }));
    expect(noToken).toMatchObject({ retryable: false });
    expect(noToken!.message).toMatch(/SLACK_BOT_TOKEN/);
    expect(await failure(new SlackWebApiProvider({ botToken: 'x', apiUrl: 'http://127.0.0.1:1' }).send({ messageId: 'msg_p7', channel: 'C0PROVIDER', text: 'hi' }))).toMatchObject({ retryable: true });
  });
});

describe('with no provider configured', () => {
  it('stores Slack and WhatsApp messages in the mailbox, listed by channel', async () => {
    const providers = createProviders(loadConfig({ HOMING_DATA_DIR: homing.config.dataDir, HOMING_API_KEY: 'k', HOMING_ADMIN_TOKEN: 't', TRACKING_SECRET: 's' }), homing.pool);
    expect([providers.slack.name, providers.whatsapp.name]).toEqual(['mailbox', 'mailbox']);
    await providers.slack.send({ messageId: 'msg_mb_slack', channel: 'U0MAILBOX', text: 'hi on Slack' });
    await providers.whatsapp.send({ messageId: 'msg_mb_wa', to: '+15550009999', text: 'hi on WhatsApp' });
    await providers.close();
    expect(await listMailbox(homing.pool, { channel: 'slack', limit: 10 })).toMatchObject([{ messageId: 'msg_mb_slack', to: 'U0MAILBOX', text: 'hi on Slack' }]);
    const listed = await homing.admin('/api/mailbox?channel=whatsapp');
    expect(listed.body.messages).toMatchObject([{ messageId: 'msg_mb_wa', channel: 'whatsapp', to: '+15550009999', text: 'hi on WhatsApp' }]);
  });
});

describe('WhatsApp (Twilio Messages API)', () => {
  /** A status callback as Twilio posts it, signed over the URL Homing gave it. */
  function callback(url: string, fields: Record<string, string>) {
    const form = new URLSearchParams({ ApiVersion: '2010-04-01', AccountSid: twilio.accountSid, ChannelPrefix: 'whatsapp', From: `whatsapp:${WHATSAPP_FROM}`, ...fields });
    const signature = twilioSignature(twilio.authToken, url, [...form]);
    return post(url.replace(homing.config.publicUrl, homing.url), form.toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
  }

  it('sends whatsapp:<E.164> from TWILIO_WHATSAPP_FROM; delivered and read callbacks make it DELIVERED, then OPENED', async () => {
    const { messageId } = await trigger('wa-ada', 'WhatsApp Me', { phone: '+1 (555) 010-2030' });
    const sent = await statusOf(messageId, 'SENT');
    const posted = twilio.messages.find((m) => m.form.To === 'whatsapp:+15550102030')!;
    expect(posted.form).toMatchObject({ From: `whatsapp:${WHATSAPP_FROM}`, StatusCallback: `${homing.config.publicUrl}/webhooks/twilio?message=${messageId}` });
    expect(posted.form.Body).toMatch(new RegExp(`^Hi wa-ada, try it: ${homing.config.publicUrl}/t/c/`));
    expect(sent).toMatchObject({ channel: 'whatsapp', provider: 'twilio', recipient: '+15550102030', providerMessageId: posted.resource.sid });

    const sid = posted.resource.sid;
    expect((await callback(posted.form.StatusCallback!, { MessageSid: sid, MessageStatus: 'delivered', To: posted.form.To! })).body).toEqual({ ok: true, result: 'recorded' });
    await statusOf(messageId, 'DELIVERED');
    expect((await callback(posted.form.StatusCallback!, { MessageSid: sid, MessageStatus: 'read', To: posted.form.To! })).body).toEqual({ ok: true, result: 'recorded' });
    await statusOf(messageId, 'OPENED');
  });

  it('prefers a whatsapp trait to the phone; a failed callback (63016) makes it UNDELIVERABLE', async () => {
    const { messageId } = await trigger('wa-bob', 'WhatsApp Me', { phone: '+15550000001', whatsapp: '+447700900123' });
    await statusOf(messageId, 'SENT');
    const posted = twilio.messages.find((m) => m.form.To === 'whatsapp:+447700900123')!;
    await callback(posted.form.StatusCallback!, { MessageSid: posted.resource.sid, MessageStatus: 'failed', ErrorCode: '63016', To: posted.form.To! });
    const m = await statusOf(messageId, 'UNDELIVERABLE');
    expect(m.reason).toBe('failed');
  });

  it("refuses a Twilio error for good (e.g. 63016 outside the 24-hour window) without retrying", async () => {
    twilio.failNext(400, 1, { code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.' });
    const { runId, messageId } = await trigger('wa-window', 'WhatsApp Me', { phone: '+15550000077' });
    const m = await statusOf(messageId, 'UNDELIVERABLE');
    expect(JSON.stringify(m.timeline)).toMatch(/63016/);
    expect(await runEnded(runId)).toMatchObject({ status: 'completed' });
    expect(twilio.requests.filter((r) => r.form.To === 'whatsapp:+15550000077')).toHaveLength(1);
  });
});
