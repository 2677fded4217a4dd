import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { API_KEY, eventually, startHoming, type TestHoming } from '../helpers/homing';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../helpers/twilio-sink';
import { startSlackSink, type SlackSink } from '../helpers/slack-sink';
import { startSegmentSink, type SegmentSink } from '../helpers/segment-sink';
import { publishMapping, publishTemplates, twilioEnv } from '../helpers/automation';

/**
 * examples/automations/retention.ts as the README has a new engineer run it:
 * HOMING_AUTOMATIONS names the folder, "Feature Not Used" is mapped to it, and
 * Segment events drive it on the dev server; outcomes go back to Segment.
 * The waits are shortened, and the nudge's local time is a minute or so away.
 */
const ZONE = 'Asia/Kolkata';
let homing: TestHoming;
let smtp: SmtpSink;
let twilio: TwilioSink;
let slack: SlackSink;
let segment: SegmentSink;
let nudgeAt: number;

beforeAll(async () => {
  [smtp, twilio, slack, segment] = await Promise.all([startSmtpSink(), startTwilioSink(), startSlackSink(), startSegmentSink('retention-write-key')]);
  homing = await startHoming({
    env: {
      HOMING_AUTOMATIONS: path.join(__dirname, '..', '..', 'examples', 'automations'),
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: smtp.url,
      ...twilioEnv(twilio),
      SLACK_PROVIDER: 'slack',
      SLACK_API_URL: slack.url,
      SLACK_BOT_TOKEN: slack.botToken,
      SEGMENT_WRITE_KEY: 'retention-write-key',
      SEGMENT_API_HOST: segment.url,
    },
  });
  await publishTemplates(homing, [
    { id: 'retention-email', name: 'Retention email', channel: 'email', content: { subject: '{{ profile.first_name }}, try {{ data.feature }}', text: 'Your {{ profile.plan }} plan includes {{ data.feature }}.' } },
    { id: 'retention-sms', name: 'Retention SMS', channel: 'sms', content: { text: '{{ profile.first_name }}: {{ data.feature }} is one tap away' } },
    { id: 'retention-slack', name: 'Retention Slack', channel: 'slack', content: { text: '{{ profile.first_name }}, your team has not tried {{ data.feature }} yet' } },
  ]);
  // The next whole minute at least 15 s away, as the recipients' clocks show it.
  nudgeAt = Math.ceil((Date.now() + 15_000) / 60_000) * 60_000;
  const at = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(nudgeAt);
  await publishMapping(homing, {
    id: 'retention',
    trigger: { type: 'track', event: 'Feature Not Used' },
    automation: 'retention',
    params: { email: 'retention-email', sms: 'retention-sms', slack: 'retention-slack', wait: '3s', at, nudgeWait: '3s' },
  });
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 20, flushInterval: 50, maxRetries: 0 });
  const users = [
    { userId: 'ada', traits: { first_name: 'Ada', plan: 'pro', email: 'ada@example.com', phone: '+15550108001', timezone: ZONE } },
    { userId: 'bo', traits: { first_name: 'Bo', plan: 'enterprise', email: 'bo@example.com', slackUserId: 'U0BO', timezone: ZONE } },
    { userId: 'cy', traits: { first_name: 'Cy', plan: 'pro', email: 'cy@example.com', phone: '+15550108003', timezone: ZONE } },
  ];
  for (const u of users) {
    analytics.identify(u);
    analytics.track({ userId: u.userId, event: 'Feature Not Used', properties: { feature: 'reports' } });
  }
  await analytics.closeAndFlush();
}, 120_000);

afterAll(async () => {
  await homing?.stop();
  await Promise.all([smtp?.close(), twilio?.close(), slack?.close(), segment?.close()]);
});

const ended = (userId: string) =>
  eventually(async () => (await homing.admin(`/api/runs?userId=${userId}`)).body.runs.find((r: any) => r.status === 'completed'), 120_000, `${userId}'s run to end`);

it('sends the personalised email at once', async () => {
  const mail = await smtp.waitFor((m) => m.envelope.to.includes('ada@example.com'), 20_000);
  expect(mail.subject).toBe('Ada, try reports');
  expect(mail.text).toContain('Your pro plan includes reports.');
});

it('"Feature Used" during the wait: no SMS, the run ends with the goal', async () => {
  await smtp.waitFor((m) => m.envelope.to.includes('cy@example.com'), 20_000);
  const analytics = new Analytics({ writeKey: API_KEY, host: homing.url, flushAt: 1, maxRetries: 0 });
  analytics.track({ userId: 'cy', event: 'Feature Used', properties: { feature: 'reports' } });
  await analytics.closeAndFlush();
  expect(await ended('cy')).toMatchObject({ automation: 'retention', result: { outcome: 'goal', event: 'Feature Used' } });
  expect((await homing.admin('/api/messages?userId=cy')).body.messages.map((m: any) => m.step)).toEqual(['email']);
});

it('ignored: the SMS at the local time, then Message Opened {opened: false} to Segment', async () => {
  const sms = await eventually(async () => twilio.messages.find((m) => m.form.To === '+15550108001'), 120_000, "Ada's SMS");
  expect(sms.form.Body).toMatch(/^Ada: reports is one tap away/);
  // Twilio has it; SENT is recorded just after Twilio answers.
  const sent = await eventually(
    async () => (await homing.admin('/api/messages?userId=ada')).body.messages.find((m: any) => m.channel === 'sms' && m.statusTimes.SENT),
    20_000,
    "Ada's SMS recorded as SENT",
  );
  // Not before the minute the recipient's clock shows `at`.
  expect(Date.parse(sent.statusTimes.SENT)).toBeGreaterThanOrEqual(nudgeAt);
  expect(await ended('ada')).toMatchObject({ result: { outcome: 'ignored' } });
  const ignored = await eventually(async () => segment.accepted.find((e) => e.userId === 'ada' && e.properties?.opened === false), 30_000, "Ada's opened: false");
  expect(ignored).toMatchObject({ event: 'Message Opened', properties: { channel: 'sms', automation: 'retention', mapping: 'retention', triggerEvent: 'Feature Not Used' } });
}, 150_000);

it('an enterprise-plan user gets the nudge on Slack instead of an SMS', async () => {
  const message = await eventually(async () => slack.messages.find((m) => m.channel === 'U0BO'), 120_000, "Bo's Slack message");
  expect(message.body.text).toMatch(/^Bo, your team has not tried reports yet/);
  expect(await ended('bo')).toMatchObject({ result: { outcome: 'ignored' } });
  expect(twilio.messages.some((m) => m.form.Body?.startsWith('Bo'))).toBe(false);
}, 150_000);
