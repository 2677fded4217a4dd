import crypto from 'node:crypto';
import { rewriteEmailHtml, rewriteText, signToken, trackingUrls, verifyToken } from '../../src/messaging/tracking';
import { addTracking } from '../../src/messaging/tracking-content';

const SECRET = 'tracking-secret';
const urls = trackingUrls('https://homing.example/', SECRET);
const ctx = (links?: string[]) => ({ messageId: 'msg_A', urls, links });

/** The payload behind a tracking URL of the rewritten content, checked against the secret. */
const payloadOf = (url: string) => verifyToken(SECRET, url.replace(/^https:\/\/homing\.example\/t\/[och]\//, ''));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('tokens', () => {
  it('round-trip open and click payloads', () => {
    expect(verifyToken(SECRET, signToken(SECRET, { m: 'msg_A', k: 'o' }))).toEqual({ m: 'msg_A', k: 'o' });
    expect(verifyToken(SECRET, signToken(SECRET, { m: 'msg_A', k: 'c', l: 3 }))).toEqual({ m: 'msg_A', k: 'c', l: 3 });
  });

  it('are compact and URL-safe', () => {
    const token = signToken(SECRET, { m: 'msg_Ab3-_x', k: 'c', l: 12 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  });

  it('reject a forged signature, a token of another secret and any altered payload', () => {
    const token = signToken(SECRET, { m: 'msg_A', k: 'c', l: 0 });
    const [payload, mac] = token.split('.') as [string, string];
    const forged = `${payload}.${crypto.randomBytes(16).toString('base64url')}`;
    expect(verifyToken(SECRET, forged)).toBeUndefined();
    expect(verifyToken('another-secret', token)).toBeUndefined();
    // Message A's signature on another message, another kind or another link.
    for (const altered of [{ m: 'msg_B', k: 'c', l: 0 }, { m: 'msg_A', k: 'o' }, { m: 'msg_A', k: 'c', l: 1 }]) {
      expect(verifyToken(SECRET, `${b64(altered)}.${mac}`)).toBeUndefined();
    }
    // One character flipped anywhere.
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(verifyToken(SECRET, flipped)).toBeUndefined();
    }
  });

  it('reject truncated, extended and malformed tokens', () => {
    const token = signToken(SECRET, { m: 'msg_A', k: 'o' });
    for (const bad of [
      token.slice(0, -1),
      token.slice(0, -4),
      token.split('.')[0]!,
      `${token}.extra`,
      `${token}A`,
      `.${token.split('.')[1]}`,
      token.replace('.', '..'),
      `${token.split('.')[0]}.`,
      token.replace(/[A-Za-z]/, '+'),
      '',
      '.',
      'not a token',
    ]) {
      expect(verifyToken(SECRET, bad)).toBeUndefined();
    }
  });

  it('reject well-signed payloads of the wrong shape', () => {
    const sign = (value: unknown) => {
      const part = b64(value);
      const mac = crypto.createHmac('sha256', SECRET).update(`homing-tracking-v1.${part}`).digest().subarray(0, 16);
      return `${part}.${mac.toString('base64url')}`;
    };
    // The helper signs like the module: a valid payload passes, so the rejections below are about shape.
    expect(verifyToken(SECRET, sign({ m: 'msg_A', k: 'c', l: 2 }))).toEqual({ m: 'msg_A', k: 'c', l: 2 });
    for (const value of [
      { m: 'msg_A', k: 'x' },
      { m: 'msg_A', k: 'c' },
      { m: 'msg_A', k: 'c', l: 1.5 },
      { m: 'msg_A', k: 'c', l: -1 },
      { m: 'msg_A', k: 'c', l: '1' },
      { m: 'msg_A', k: 'o', l: 1 },
      { m: '', k: 'o' },
      { m: 'msg_A', k: 'o', extra: true },
      ['msg_A', 'o'],
      'msg_A',
    ]) {
      expect(verifyToken(SECRET, sign(value))).toBeUndefined();
    }
  });

  it('round-trip the honeypot payload, which names only the message', () => {
    expect(verifyToken(SECRET, signToken(SECRET, { m: 'msg_A', k: 'h' }))).toEqual({ m: 'msg_A', k: 'h' });
    const [, mac] = signToken(SECRET, { m: 'msg_A', k: 'o' }).split('.') as [string, string];
    // An open token's signature does not make a honeypot token, nor the other way round.
    expect(verifyToken(SECRET, `${b64({ m: 'msg_A', k: 'h' })}.${mac}`)).toBeUndefined();
    expect(verifyToken(SECRET, `${b64({ m: 'msg_A', k: 'h', l: 0 })}.${mac}`)).toBeUndefined();
  });

  it('tokens signed before the honeypot existed still verify as they did', () => {
    // Sent mail and workflow histories carry these exact strings.
    const sign = (part: string) => `${part}.${crypto.createHmac('sha256', SECRET).update(`homing-tracking-v1.${part}`).digest().subarray(0, 16).toString('base64url')}`;
    expect(verifyToken(SECRET, sign(b64({ m: 'msg_A', k: 'o' })))).toEqual({ m: 'msg_A', k: 'o' });
    expect(verifyToken(SECRET, sign(b64({ m: 'msg_A', k: 'c', l: 2 })))).toEqual({ m: 'msg_A', k: 'c', l: 2 });
    expect(signToken(SECRET, { m: 'msg_A', k: 'c', l: 2 })).toBe(sign(b64({ m: 'msg_A', k: 'c', l: 2 })));
  });

  it('are not signed for invalid payloads', () => {
    expect(() => signToken(SECRET, { m: 'msg_A', k: 'c' })).toThrow(/invalid tracking payload/);
    expect(() => signToken(SECRET, { m: 'msg_A', k: 'c', l: -1 })).toThrow(/invalid tracking payload/);
  });
});

describe('tracking URLs', () => {
  it('live under PUBLIC_URL/t/o, /t/c and /t/h', () => {
    expect(urls.openUrl('msg_A')).toMatch(/^https:\/\/homing\.example\/t\/o\/[\w-]+\.[\w-]+$/);
    expect(urls.honeypotUrl('msg_A')).toMatch(/^https:\/\/homing\.example\/t\/h\/[\w-]+\.[\w-]+$/);
    expect(payloadOf(urls.honeypotUrl('msg_A'))).toEqual({ m: 'msg_A', k: 'h' });
    expect(payloadOf(urls.clickUrl('msg_A', 4))).toEqual({ m: 'msg_A', k: 'c', l: 4 });
    expect(urls.isTrackingUrl(urls.clickUrl('msg_A', 0))).toBe(true);
    expect(urls.isTrackingUrl('https://homing.example/other')).toBe(false);
  });
});

describe('rewriteEmailHtml', () => {
  it('sends every http(s) link through a click URL, keeping the quoting', () => {
    const html = `<p><a href="https://a.example/x">A</a> <a class='btn' href='http://b.example/?q=1'>B</a> <a href=https://c.example/ title="t">C</a></p>`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual(['https://a.example/x', 'http://b.example/?q=1', 'https://c.example/']);
    const hrefs = [...out.html.matchAll(/href=(["']?)([^"'\s>]+)\1/g)].map((m) => [m[1], payloadOf(m[2]!)]);
    expect(hrefs).toEqual([
      ['"', { m: 'msg_A', k: 'c', l: 0 }],
      ["'", { m: 'msg_A', k: 'c', l: 1 }],
      ['', { m: 'msg_A', k: 'c', l: 2 }],
    ]);
    expect(out.html).toContain(`class='btn'`);
    expect(out.html).toContain('title="t">C</a>');
  });

  it('stores the link as the browser would follow it: entities decoded, blanks trimmed', () => {
    const out = rewriteEmailHtml('<a href=" https://a.example/?a=1&amp;b=2&#38;c=&#x33;&quot; ">x</a>', ctx());
    expect(out.links).toEqual(['https://a.example/?a=1&b=2&c=3"']);
  });

  it('leaves mailto, tel, anchors, relative links, unrendered Liquid and its own tracking links alone', () => {
    const own = urls.clickUrl('msg_Z', 0);
    const html = [
      '<a href="mailto:hi@example.com">m</a>',
      '<a href="tel:+15550100">t</a>',
      '<a href="#top">a</a>',
      '<a href="/relative">r</a>',
      '<a href="https://a.example/{{ data.slug }}">l</a>',
      '<a href="{% if x %}https://a.example{% endif %}">l</a>',
      `<a href="${own}">own</a>`,
      '<a name="anchor">no href</a>',
      '<link href="https://cdn.example/style.css">',
      '<abbr title="https://not.a.link/">x</abbr>',
    ].join('');
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual([]);
    expect(out.html.replace(/<img [^>]*>$/, '')).toBe(html);
  });

  it('reads attributes in order: href-like text in other values or later hrefs is not a link', () => {
    const out = rewriteEmailHtml(`<a title="x href='https://t.example/'>" data-href="https://d.example/" href="https://a.example/" href="https://b.example/">y</a>`, ctx());
    expect(out.links).toEqual(['https://a.example/']);
    expect(out.html).toContain(`title="x href='https://t.example/'>"`);
    expect(out.html).toContain('data-href="https://d.example/"');
    expect(out.html).toContain('href="https://b.example/"');
  });

  it('gives one URL one index', () => {
    const out = rewriteEmailHtml('<a href="https://a.example/">1</a><a href="https://b.example/">2</a><A HREF="https://a.example/">3</A>', ctx());
    expect(out.links).toEqual(['https://a.example/', 'https://b.example/']);
    expect(payloadOf(/HREF="([^"]+)"/.exec(out.html)![1]!)).toEqual({ m: 'msg_A', k: 'c', l: 0 });
  });

  it('puts the open pixel just before </body>, or at the end without one', () => {
    const pixel = `<img src="${urls.openUrl('msg_A')}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`;
    expect(rewriteEmailHtml('<html><body><p>Hi</p></BODY></html>', ctx()).html).toBe(`<html><body><p>Hi</p>${pixel}</BODY></html>`);
    expect(rewriteEmailHtml('<p>Hi</p>', ctx()).html).toBe(`<p>Hi</p>${pixel}`);
    expect(payloadOf(urls.openUrl('msg_A'))).toEqual({ m: 'msg_A', k: 'o' });
  });

  it('with honeypot set, adds one hidden, unlabelled link that only a machine follows, before the pixel', () => {
    const out = rewriteEmailHtml('<html><body><a href="https://a.example/">A</a></body></html>', { ...ctx(), honeypot: true });
    const honeypot = `<a href="${urls.honeypotUrl('msg_A')}" style="display:none" aria-hidden="true" tabindex="-1"></a>`;
    expect(out.html).toContain(`${honeypot}<img src="${urls.openUrl('msg_A')}"`);
    expect(out.html.endsWith('</body></html>')).toBe(true);
    // Not one of the message's links: a hit on it never redirects anywhere.
    expect(out.links).toEqual(['https://a.example/']);
  });
});

describe('addTracking', () => {
  it("puts the honeypot in an email's html only: a plain-text part would show it", () => {
    const cfg = { publicUrl: 'https://homing.example', trackingSecret: SECRET };
    const tracked = addTracking('email', { subject: 'Hi', html: '<p><a href="https://a.example/">A</a></p>', text: 'A: https://a.example/' }, 'msg_A', cfg);
    expect(tracked.content.html!.match(/\/t\/h\//g)).toHaveLength(1);
    expect(tracked.content.text).not.toContain('/t/h/');
    expect(tracked.links).toEqual(['https://a.example/']);
    expect(addTracking('sms', { text: 'https://a.example/' }, 'msg_B', cfg).content.text).not.toContain('/t/h/');
  });
});

describe('rewriteText', () => {
  it('rewrites bare URLs and keeps sentence punctuation out of them', () => {
    const text = 'See https://a.example/x. Or (https://b.example/y), https://c.example/wiki/Foo_(bar)! Also <https://d.example/?q=1&r=2>';
    const out = rewriteText(text, ctx());
    expect(out.links).toEqual(['https://a.example/x', 'https://b.example/y', 'https://c.example/wiki/Foo_(bar)', 'https://d.example/?q=1&r=2']);
    const [a, b, c, d] = out.links.map((_, i) => urls.clickUrl('msg_A', i));
    expect(out.text).toBe(`See ${a}. Or (${b}), ${c}! Also <${d}>`);
  });

  it('leaves non-http text, unrendered Liquid and its own tracking URLs alone', () => {
    const text = `Call tel:+15550100, mail me@example.com, ftp://x.example/ https://a.example/{{ id }} ${urls.clickUrl('msg_A', 0)}`;
    expect(rewriteText(text, ctx())).toEqual({ text, links: [] });
  });

  it('shares link indexes with the html part of the same message', () => {
    const html = rewriteEmailHtml('<a href="https://a.example/?x=1&amp;y=2">a</a><a href="https://b.example/">b</a>', ctx());
    const text = rewriteText('b: https://b.example/ a: https://a.example/?x=1&y=2 c: https://c.example/', ctx(html.links));
    expect(text.links).toBe(html.links);
    expect(text.links).toEqual(['https://a.example/?x=1&y=2', 'https://b.example/', 'https://c.example/']);
    expect(text.text).toBe(`b: ${urls.clickUrl('msg_A', 1)} a: ${urls.clickUrl('msg_A', 0)} c: ${urls.clickUrl('msg_A', 2)}`);
  });

  it('is idempotent: rewriting rewritten text changes nothing', () => {
    const once = rewriteText('Go https://a.example/ now', ctx());
    expect(rewriteText(once.text, ctx()).text).toBe(once.text);
  });
});

describe('the html scanner on hostile or broken markup', () => {
  it('reads a tag like a browser: link-like text inside another tag\'s attribute value is not a link', () => {
    const html = `<img alt="<a href=https://x.example/>" src="https://cdn.example/i.png"><p title='<a href="https://y.example/">'>hi</p>`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual([]);
    expect(out.html.replace(/<img [^>]*>$/, '')).toBe(html);
  });

  it('an unterminated quote swallows the rest of the document, as in a browser: later "tags" are attribute text', () => {
    const html = `<a href="https://a.example/">ok</a> <a title="x> <a href="https://b.example/">b</a>`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual(['https://a.example/']);
    expect(out.html).toContain(' <a title="x> <a href="https://b.example/">b</a>');
  });

  it('leaves an unterminated tag at the end alone, and many of them cost one pass', () => {
    const html = `<a href="https://a.example/">ok</a>${'<a '.repeat(40_000)}`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual(['https://a.example/']);
    expect(out.html.replace(/<img [^>]*>$/, '').endsWith('<a '.repeat(40_000))).toBe(true);
  });

  it('takes attributes without quotes, with blanks around "=", upper-case names and self-closing slashes', () => {
    const html = `<A\nclass=x HREF = 'https://a.example/q?x=1' /><a/href="https://b.example/">b</a><a href=https://c.example/>c</a>`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual(['https://a.example/q?x=1', 'https://b.example/', 'https://c.example/']);
    expect(out.html).toContain(`<A\nclass=x HREF = '${urls.clickUrl('msg_A', 0)}' />`);
    expect(out.html).toContain(`<a href=${urls.clickUrl('msg_A', 2)}>c</a>`);
  });

  it('does not mistake <abbr>, <area>, </a> or "< a" for a link, nor "<a" at the very end', () => {
    const html = `x < a href="https://a.example/"> <abbr href="https://b.example/">y</abbr><area href="https://c.example/"></a href="https://d.example/"> 1 <a`;
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toEqual([]);
  });

  it('numbers tens of thousands of distinct links in order', () => {
    const html = Array.from({ length: 20_000 }, (_, i) => `<a href="https://a.example/${i}">${i}</a>`).join('');
    const out = rewriteEmailHtml(html, ctx());
    expect(out.links).toHaveLength(20_000);
    expect(out.links[19_999]).toBe('https://a.example/19999');
    expect(out.html).toContain(`<a href="${urls.clickUrl('msg_A', 19_999)}">19999</a>`);
  });
});

describe('the text scanner on brackets', () => {
  it('keeps balanced, nested brackets in the URL and the unbalanced ones out', () => {
    const text = 'a https://a.example/w/X_(b_(c)) b (see https://b.example/y_(z))). c [https://c.example/[1]] d {https://d.example/}';
    const out = rewriteText(text, ctx());
    expect(out.links).toEqual(['https://a.example/w/X_(b_(c))', 'https://b.example/y_(z)', 'https://c.example/[1]', 'https://d.example/']);
    const [a, b, c, d] = out.links.map((_, i) => urls.clickUrl('msg_A', i));
    expect(out.text).toBe(`a ${a} b (see ${b})). c [${c}] d {${d}}`);
  });

  it('a URL followed by 20,000 ")" keeps them all as text after the link', () => {
    const tail = ')'.repeat(20_000);
    const out = rewriteText(`https://a.example/x${tail}`, ctx());
    expect(out.links).toEqual(['https://a.example/x']);
    expect(out.text).toBe(`${urls.clickUrl('msg_A', 0)}${tail}`);
  });

  it('strips trailing punctuation mixed with closers', () => {
    const out = rewriteText('(https://a.example/p_(q)?!).', ctx());
    expect(out.links).toEqual(['https://a.example/p_(q)']);
    expect(out.text).toBe(`(${urls.clickUrl('msg_A', 0)}?!).`);
  });
});

describe('link host allow-list', () => {
  const hosts = ['example.com', '*.example.org'];
  const allowed = ['https://example.com/a', 'HTTPS://EXAMPLE.COM/b', 'https://www.example.org/c', 'https://a.b.example.org:8443/d'];
  const refused = [
    'https://evil.test/login',
    'https://www.example.com/',
    'https://example.org/',
    'https://example.com.evil.test/',
    'https://example.com@evil.test/',
    'https://evil.test\\@example.com/',
    'https://notexample.com/',
    'https://evil.test/?u=https://example.com/',
  ];

  it('tracks html links to listed hosts only, and leaves the others exactly as they were', () => {
    const html = [...allowed, ...refused].map((u) => `<a href="${u}">x</a>`).join('');
    const out = rewriteEmailHtml(html, { ...ctx(), linkHosts: hosts });
    expect(out.links).toEqual(['https://example.com/a', 'HTTPS://EXAMPLE.COM/b', 'https://www.example.org/c', 'https://a.b.example.org:8443/d']);
    for (const u of refused) expect(out.html).toContain(`<a href="${u}">x</a>`);
  });

  it('tracks text links to listed hosts only', () => {
    const out = rewriteText(`go https://evil.test/login or https://www.example.org/c`, { ...ctx(), linkHosts: hosts });
    expect(out.links).toEqual(['https://www.example.org/c']);
    expect(out.text).toBe(`go https://evil.test/login or ${urls.clickUrl('msg_A', 0)}`);
  });

  it('without a list, every host is tracked', () => {
    expect(rewriteText('https://evil.test/login', ctx()).links).toEqual(['https://evil.test/login']);
  });
});
