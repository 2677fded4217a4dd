import { formToken, isFormToken, listUnsubscribeHeaders, readUnsubscribeToken, unsubscribeLinks } from '../../src/consent/unsubscribe-links';
import { rewriteEmailHtml, rewriteText, signToken, trackingUrls, verifyToken } from '../../src/messaging/tracking';

const SECRET = 'test-secret';
const tokenOf = (url: string) => /\/u\/([^/]+)(?:\/preferences)?$/.exec(url)![1]!;

describe('unsubscribeLinks', () => {
  test('both pages live under PUBLIC_URL/u/<token>, with or without a trailing slash', () => {
    const links = unsubscribeLinks('https://homing.example.com/', SECRET, 'msg_1');
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/homing\.example\.com\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(links.preferencesUrl).toBe(`${links.unsubscribeUrl}/preferences`);
    expect(unsubscribeLinks('https://homing.example.com', SECRET, 'msg_1')).toEqual(links);
  });

  test('the token names its message, for this secret only', () => {
    const token = tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_abc').unsubscribeUrl);
    expect(readUnsubscribeToken(SECRET, token)).toBe('msg_abc');
    expect(readUnsubscribeToken('another-secret', token)).toBeUndefined();
    expect(tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_abd').unsubscribeUrl)).not.toBe(token);
  });

  test('altered, truncated and malformed tokens name nothing', () => {
    const token = tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_abc').unsubscribeUrl);
    const [body, mac] = token.split('.') as [string, string];
    const bad = [
      `${Buffer.from(JSON.stringify({ m: 'msg_other' })).toString('base64url')}.${mac}`,
      `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      token.slice(0, -2),
      body,
      `${token}.x`,
      'garbage',
      '',
    ];
    for (const t of bad) expect(readUnsubscribeToken(SECRET, t)).toBeUndefined();
  });

  test('a tracking token is never an unsubscribe token, nor the other way round', () => {
    for (const tracking of [signToken(SECRET, { m: 'msg_abc', k: 'o' }), signToken(SECRET, { m: 'msg_abc', k: 'c', l: 0 })]) {
      expect(readUnsubscribeToken(SECRET, tracking)).toBeUndefined();
    }
    const token = tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_abc').unsubscribeUrl);
    expect(verifyToken(SECRET, token)).toBeUndefined();
  });
});

describe('listUnsubscribeHeaders', () => {
  const links = unsubscribeLinks('https://h.example', SECRET, 'msg_abc');
  const token = tokenOf(links.unsubscribeUrl);

  test('RFC 8058 one-click: the https URL and List-Unsubscribe-Post', () => {
    expect(listUnsubscribeHeaders(links)).toEqual({
      'List-Unsubscribe': `<${links.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  test('with UNSUBSCRIBE_MAILTO, a mailto whose subject carries the token', () => {
    expect(listUnsubscribeHeaders(links, 'unsubscribe@mail.example.com')).toEqual({
      'List-Unsubscribe': `<${links.unsubscribeUrl}>, <mailto:unsubscribe@mail.example.com?subject=unsubscribe%20${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('form tokens', () => {
  test('bound to the page token: the one a page carries passes, any other does not', () => {
    const a = tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_a').unsubscribeUrl);
    const b = tokenOf(unsubscribeLinks('https://h.example', SECRET, 'msg_b').unsubscribeUrl);
    expect(isFormToken(SECRET, a, formToken(SECRET, a))).toBe(true);
    expect(isFormToken(SECRET, a, formToken(SECRET, b))).toBe(false);
    expect(isFormToken(SECRET, a, formToken('another-secret', a))).toBe(false);
    expect(isFormToken(SECRET, a, a)).toBe(false);
    expect(isFormToken(SECRET, a, undefined)).toBe(false);
    expect(isFormToken(SECRET, a, '')).toBe(false);
  });
});

describe('click tracking', () => {
  test('never wraps Homing\'s own unsubscribe links (a scanner following one must not count as a click)', () => {
    const links = unsubscribeLinks('https://h.example', SECRET, 'msg_abc');
    const ctx = { messageId: 'msg_abc', urls: trackingUrls('https://h.example', SECRET) };
    const html = `<a href="${links.unsubscribeUrl}">Unsubscribe</a> <a href="${links.preferencesUrl}">Preferences</a>`;
    expect(rewriteEmailHtml(html, ctx)).toEqual({ html: expect.stringContaining(html), links: [] });
    const text = `Unsubscribe: ${links.unsubscribeUrl}`;
    expect(rewriteText(text, ctx)).toEqual({ text, links: [] });
  });
});
