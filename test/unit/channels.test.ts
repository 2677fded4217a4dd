import { CHANNEL_REGISTRY, CHANNELS, isChannel } from '../../src/channels';
import { CHANNEL_NAMES } from '../../src/channels/names';
import { addTracking } from '../../src/messaging/tracking-content';
import { renderTemplate, TemplateError } from '../../src/messaging/templates';
import { verifyToken } from '../../src/messaging/tracking';

const cfg = { publicUrl: 'https://homing.test', trackingSecret: 'secret' };
const context = { profile: { name: 'Ada' }, data: {}, group: null, event: {} };

describe('the channel registry', () => {
  it('registers email, sms, slack and whatsapp, under the names workflow code lists', () => {
    expect(CHANNELS).toEqual(['email', 'sms', 'slack', 'whatsapp']);
    expect(Object.keys(CHANNEL_REGISTRY)).toEqual([...CHANNEL_NAMES]);
    expect(isChannel('slack')).toBe(true);
    expect(isChannel('push')).toBe(false);
    expect(isChannel('toString')).toBe(false);
  });

  it('gives every content field of every channel a render rule and a limit', () => {
    for (const channel of CHANNELS) {
      const shape = (CHANNEL_REGISTRY[channel].content as unknown as { _zod: { def: { shape: Record<string, unknown> } } })._zod.def.shape;
      expect(Object.keys(CHANNEL_REGISTRY[channel].fields).sort()).toEqual(Object.keys(shape).sort());
    }
  });
});

describe('addresses', () => {
  const { slack, whatsapp, sms } = CHANNEL_REGISTRY;

  it('Slack: slackUserId, else slack_user_id, else tokens.slackChannel; member and conversation ids only', () => {
    expect(slack.address.find({ slackUserId: ' U024BE7LH ', slack_user_id: 'U1', tokens: { slackChannel: 'C1' } })).toBe('U024BE7LH');
    expect(slack.address.find({ slack_user_id: 'W0123ABC', tokens: { slackChannel: 'C1' } })).toBe('W0123ABC');
    expect(slack.address.find({ tokens: { slackChannel: 'C0123TEAM' } })).toBe('C0123TEAM');
    expect(slack.address.find({ tokens: { slackToken: 'xoxp-1' } })).toBeUndefined();
    for (const id of ['U024BE7LH', 'C0123TEAM', 'G012AB', 'D0ABCDEF']) expect(slack.address.parse(id)).toBe(id);
    for (const id of ['#general', 'u024be7lh', 'U024BE7LH,C0123', '@ada', 'X0123ABC']) expect(slack.address.parse(id)).toBeUndefined();
  });

  it('WhatsApp: the whatsapp trait, else the phone, in E.164 (as for SMS)', () => {
    expect(whatsapp.address.find({ phone: '+15550000001', whatsapp: '+447700900123' })).toBe('+447700900123');
    expect(whatsapp.address.find({ phone_number: '+15550000001' })).toBe('+15550000001');
    expect(whatsapp.address.parse('+44 7700 900123')).toBe('+447700900123');
    expect(whatsapp.address.parse('whatsapp:+447700900123')).toBeUndefined();
    expect(sms.address.find({ whatsapp: '+447700900123' })).toBeUndefined();
  });
});

describe('Slack content', () => {
  it('tracks bare links and <url|label> links in text, keeping the label; blocks are left as rendered', () => {
    const content = { text: 'See <https://example.com/a|the docs> or https://example.com/b', blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"<https://example.com/c|c>"}}]' };
    const tracked = addTracking('slack', content, 'msg_1', cfg);
    expect(tracked.links).toEqual(['https://example.com/a', 'https://example.com/b']);
    const match = /^See <(https:\/\/homing\.test\/t\/c\/[^|>]+)\|the docs> or (https:\/\/homing\.test\/t\/c\/\S+)$/.exec(tracked.content.text!);
    expect(match).not.toBeNull();
    expect(verifyToken(cfg.trackingSecret, match![1]!.split('/t/c/')[1]!)).toEqual({ m: 'msg_1', k: 'c', l: 0 });
    expect(tracked.content.blocks).toBe(content.blocks);
  });

  it('renders blocks with Liquid and refuses blocks that are not a JSON array', () => {
    expect(renderTemplate('slack', { text: 'x', blocks: '[{"type":"section","text":{"type":"plain_text","text":"{{ profile.name }}"}}]' }, context).blocks).toBe(
      '[{"type":"section","text":{"type":"plain_text","text":"Ada"}}]',
    );
    expect(() => renderTemplate('slack', { text: 'x', blocks: '{"type":"section"}' }, context)).toThrow(new TemplateError('blocks', 'must render to a JSON array of Slack blocks'));
  });

  it('is text (required) and optional blocks, nothing else', () => {
    expect(CHANNEL_REGISTRY.slack.content.safeParse({ text: 'x' }).success).toBe(true);
    expect(CHANNEL_REGISTRY.slack.content.safeParse({ blocks: '[]' }).success).toBe(false);
    expect(CHANNEL_REGISTRY.slack.content.safeParse({ text: 'x', subject: 'y' }).success).toBe(false);
  });
});
