import {
  checkRenderedSize,
  checkTemplate,
  ContentTooLargeError,
  CONTENT_LIMITS,
  contentSchema,
  renderTemplate,
  TemplateError,
  type TemplateContext,
} from '../../src/messaging/templates';

const context: TemplateContext = {
  profile: { first_name: 'Ada', company: 'Smith & <Co>', plan: 'pro', tags: ['a', 'b'] },
  data: { total: 42.5, items: [{ name: 'Widget' }, { name: 'Gadget' }] },
  group: null,
  event: { event: 'Order Completed', timestamp: '2024-05-01T10:00:00Z' },
};

function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplate', () => {
  it('renders every email field over profile, data and event', () => {
    const rendered = renderTemplate(
      'email',
      {
        subject: 'Thanks, {{ profile.first_name }}',
        html: '<p>{% for item in data.items %}{{ item.name }}{% unless forloop.last %}, {% endunless %}{% endfor %}</p>',
        text: '{{ event.event }}: {{ data.total }}',
      },
      context,
    );
    expect(rendered).toEqual({ subject: 'Thanks, Ada', html: '<p>Widget, Gadget</p>', text: 'Order Completed: 42.5' });
  });

  it('renders sms text', () => {
    expect(renderTemplate('sms', { text: 'Hi {{ profile.first_name | upcase }}' }, context)).toEqual({ text: 'Hi ADA' });
  });

  it('escapes output in the email html only', () => {
    const content = { subject: '{{ profile.company }}', html: '<b>{{ profile.company }}</b>{{ "<i>ok</i>" | raw }}', text: '{{ profile.company }}' };
    expect(renderTemplate('email', content, context)).toEqual({
      subject: 'Smith & <Co>',
      html: '<b>Smith &amp; &lt;Co&gt;</b><i>ok</i>',
      text: 'Smith & <Co>',
    });
    expect(renderTemplate('sms', { text: '{{ profile.company }}' }, context)).toEqual({ text: 'Smith & <Co>' });
  });

  it('fails on an unknown variable, naming the field, the variable and its position', () => {
    const err = templateError(() => renderTemplate('email', { subject: 'Hi', html: '<p>\n  {{ profile.last_name }}</p>' }, context));
    expect(err.field).toBe('html');
    expect(err.message).toBe('template field "html": undefined variable: profile.last_name, line:2, col:6');
    expect(JSON.parse(JSON.stringify({ error: err.message }))).toEqual({ error: err.message });
  });

  it('lets if/unless and default handle missing values, including a null group', () => {
    const content = {
      text: '{% if profile.nickname %}{{ profile.nickname }}{% else %}{{ profile.nickname | default: profile.first_name }}{% endif %}{% if group %} of {{ group.name }}{% endif %}',
    };
    expect(renderTemplate('sms', content, context)).toEqual({ text: 'Ada' });
    expect(renderTemplate('sms', content, { ...context, profile: { nickname: 'A' }, group: { name: 'Acme' } })).toEqual({ text: 'A of Acme' });
    expect(templateError(() => renderTemplate('sms', { text: '{{ group.name }}' }, context)).message).toMatch(/undefined variable: group/);
    expect(renderTemplate('sms', { text: '{{ group.name | default: "your team" }}' }, context)).toEqual({ text: 'your team' });
  });

  it('applies the standard filters and rejects unknown ones', () => {
    const content = { text: '{{ profile.tags | join: "+" }} {{ data.total | times: 2 }} {{ event.timestamp | date: "%Y-%m-%d %H:%M" }}' };
    expect(renderTemplate('sms', content, context)).toEqual({ text: 'a+b 85 2024-05-01 10:00' });
    expect(templateError(() => renderTemplate('sms', { text: '{{ profile.first_name | shout }}' }, context)).message).toMatch(/undefined filter: shout/);
  });

  it('does not reach inherited properties or the file system', () => {
    expect(templateError(() => renderTemplate('sms', { text: '{{ profile.constructor }}' }, context)).message).toMatch(/undefined variable/);
    expect(templateError(() => renderTemplate('sms', { text: '{% include "package.json" %}' }, context)).message).toMatch(/Failed to lookup "package.json"/);
  });

  it('stops a runaway loop with a template error', () => {
    // No output, so the time and memory bounds stop it rather than the size bound.
    const nested = '{% for i in (1..100000) %}{% for j in (1..100000) %}{% assign k = j %}{% endfor %}{% endfor %}';
    expect(templateError(() => renderTemplate('sms', { text: nested }, context)).message).toMatch(/limit exceeded/);
    expect(templateError(() => renderTemplate('sms', { text: '{% for i in (1..1000000000) %}x{% endfor %}' }, context)).message).toMatch(/memory alloc limit exceeded/);
  });

  it('renders the same source repeatedly against different contexts', () => {
    const content = { text: 'Hi {{ profile.first_name }}' };
    const names = ['A', 'B', 'C'].map((first_name) => renderTemplate('sms', content, { ...context, profile: { first_name } }).text);
    expect(names).toEqual(['Hi A', 'Hi B', 'Hi C']);
  });
});

describe('checkTemplate', () => {
  it('accepts valid Liquid without rendering it', () => {
    expect(() => checkTemplate('email', { subject: '{{ profile.anything }}', text: '{% if data.x %}x{% endif %}' })).not.toThrow();
  });

  it('names the field with a syntax error and where it is', () => {
    const err = templateError(() => checkTemplate('email', { subject: 'ok', html: '<p>ok</p>', text: 'line one\n{% if profile.vip %}VIP' }));
    expect(err.field).toBe('text');
    expect(err.message).toBe('template field "text": tag {% if profile.vip %} not closed, line:2, col:1');
    expect(templateError(() => checkTemplate('sms', { text: 'Hi {{ profile.first_name ' })).message).toMatch(/^template field "text": output .* not closed/);
  });
});

describe('contentSchema', () => {
  it('requires a subject and a body for email, and only text for sms', () => {
    expect(contentSchema('email').safeParse({ subject: 'Hi', text: 'x' }).success).toBe(true);
    expect(contentSchema('email').safeParse({ subject: 'Hi' }).error?.issues[0]?.message).toBe('email content needs html or text (or both)');
    expect(contentSchema('email').safeParse({ html: 'x' }).success).toBe(false);
    expect(contentSchema('sms').safeParse({ text: 'x' }).success).toBe(true);
    expect(contentSchema('sms').safeParse({ subject: 'Hi', text: 'x' }).error?.issues[0]?.message).toMatch(/Unrecognized key: "subject"/);
  });
});

describe('rendered size', () => {
  const tooLarge = (fn: () => unknown): ContentTooLargeError => {
    const err = templateError(fn);
    expect(err).toBeInstanceOf(ContentTooLargeError);
    return err as ContentTooLargeError;
  };

  it('has documented limits: SMS 1,600 characters, email subject 1,000, html and text 512 Ki characters each; Slack text 40,000, blocks 200,000; WhatsApp 1,600', () => {
    expect(CONTENT_LIMITS).toEqual({
      sms: { text: 1_600 },
      email: { subject: 1_000, html: 524_288, text: 524_288 },
      slack: { text: 40_000, blocks: 200_000 },
      whatsapp: { text: 1_600 },
    });
  });

  it('an SMS of 1,600 characters renders, one of 1,601 is a template error naming the field and the limit', () => {
    expect(renderTemplate('sms', { text: '{% for i in (1..1600) %}x{% endfor %}' }, context).text).toHaveLength(1_600);
    const err = tooLarge(() => renderTemplate('sms', { text: '{% for i in (1..1601) %}x{% endfor %}' }, context));
    expect(err.field).toBe('text');
    expect(err.limit).toBe(1_600);
    expect(err.message).toBe('template field "text": renders to more than 1600 characters, the most an sms text may have');
  });

  it('event data cannot blow a field up: 100 MB of html stops at the limit', () => {
    const data = { kb: 'x'.repeat(1_000) };
    const html = '{% for i in (1..100000) %}{{ data.kb }}{% endfor %}';
    const err = tooLarge(() => renderTemplate('email', { subject: 'Hi', html }, { ...context, data }));
    expect(err.field).toBe('html');
    expect(err.message).toMatch(/more than 524288 characters, the most an email html may have/);
  });

  it('bounds the subject and the text part too', () => {
    expect(tooLarge(() => renderTemplate('email', { subject: '{{ data.s }}', text: 'x' }, { ...context, data: { s: 'y'.repeat(1_001) } })).field).toBe('subject');
    expect(tooLarge(() => renderTemplate('email', { subject: 'Hi', text: '{{ data.s }}' }, { ...context, data: { s: 'y'.repeat(524_289) } })).field).toBe('text');
  });

  it('checks content made longer after rendering, e.g. by tracking links', () => {
    expect(() => checkRenderedSize('sms', { text: 'x'.repeat(1_600) })).not.toThrow();
    expect(tooLarge(() => checkRenderedSize('sms', { text: 'x'.repeat(1_601) })).limit).toBe(1_600);
  });
});
