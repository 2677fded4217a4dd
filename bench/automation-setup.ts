/**
 * What the automation bench needs before it measures: its SMTP receiver
 * process, and in Homing, through the admin API like an operator would, two
 * published templates and a published `email-then-sms` mapping.
 */
import { Forked } from './forked';
import type { ReceiverReply, ReceiverRequest } from './smtp-receiver';

const TOPIC_ID = 'bench-orders';

/** The mapped track event, and the key of the mapping it triggers. */
export const MAPPED_EVENT = 'Bench Order Placed';
const MAPPING_ID = 'bench-orders';

/** The bench's handle on its SMTP receiver process. */
export class SmtpReceiver {
  private constructor(
    private readonly child: Forked<ReceiverRequest, ReceiverReply>,
    readonly url: string,
  ) {}

  static async start(): Promise<SmtpReceiver> {
    const child = await Forked.start<ReceiverRequest, ReceiverReply>('smtp-receiver.js', true);
    return new SmtpReceiver(child, `smtp://127.0.0.1:${(child.ready as { port: number }).port}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  count(prefix: string): Promise<ReceiverReply> {
    return this.child.ask({ cmd: 'count', prefix });
  }

  collect(prefix: string): Promise<ReceiverReply> {
    return this.child.ask({ cmd: 'collect', prefix });
  }

  /** Resolves once `n` emails of the prefix are accepted or `timeoutMs` passed; the count reached. */
  async waitFor(prefix: string, n: number, timeoutMs: number, everyMs = 100): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { count } = await this.count(prefix);
      if (count >= n || Date.now() >= until) return count;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/** A POST (or `method`) to Homing's admin API, as an operator makes it; anything but `expect` is an error. */
export async function admin(homingUrl: string, token: string, route: string, body: unknown, expect: number, method = 'POST'): Promise<void> {
  const res = await fetch(`${homingUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== expect) throw new Error(`POST ${route}: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

/**
 * Templates much like a real order mail (a name, a link that gets click
 * tracking, a pixel), the bench key in the subject for the receiver, and the
 * mapping with the catalog's default waits (24 h for the open, 24 h for the
 * SMS click): every run parks after its email. The mapping is marketing, of a
 * topic with a frequency cap that never bites, so every send takes the whole
 * consent check (suppression, preferences, a place under the cap).
 */
export async function createMapping(homingUrl: string, adminToken: string): Promise<void> {
  const templates = [
    {
      id: 'bench-order-email',
      name: 'Order confirmation',
      channel: 'email',
      content: {
        subject: 'Order [{{ data.key }}] for {{ profile.name }}',
        html: '<html><body><p>Hi {{ profile.name }}, thanks for your order on the {{ data.plan }} plan ({{ data.revenue }} EUR).</p><a href="https://example.com/orders/{{ data.key }}">Your order</a></body></html>',
        text: 'Hi {{ profile.name }}, thanks for your order: https://example.com/orders/{{ data.key }}',
      },
    },
    { id: 'bench-order-sms', name: 'Order nudge', channel: 'sms', content: { text: '{{ profile.name }}, your order: https://example.com/orders/{{ data.key }}' } },
  ];
  for (const t of templates) {
    await admin(homingUrl, adminToken, '/api/templates', t, 201);
    await admin(homingUrl, adminToken, `/api/templates/${t.id}/publish`, {}, 200);
  }
  const topic = { name: 'Bench orders', defaultStatus: 'opted-in', frequencyCaps: [{ channel: 'email', limit: 10_000, period: '1d' }] };
  await admin(homingUrl, adminToken, `/api/topics/${TOPIC_ID}`, topic, 200, 'PUT');
  await admin(
    homingUrl,
    adminToken,
    '/api/mappings',
    {
      id: MAPPING_ID,
      name: 'Bench order follow-up',
      status: 'published',
      trigger: { type: 'track', event: MAPPED_EVENT },
      automation: 'email-then-sms',
      params: { emailTemplate: 'bench-order-email', smsTemplate: 'bench-order-sms' },
      topic: TOPIC_ID,
    },
    201,
  );
}
