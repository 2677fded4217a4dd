import { z } from 'zod';
import { contactOf } from '../ingest/traits';
import { emailAddress } from '../messaging/addresses';
import { MailboxEmailProvider } from '../messaging/providers/mailbox';
import { SendGridEmailProvider } from '../messaging/providers/sendgrid';
import { SmtpEmailProvider } from '../messaging/providers/smtp';
import { requiredSetting, type EmailProvider } from '../messaging/providers/types';
import { defineChannel } from './types';

const content = z
  .strictObject({
    subject: z.string().min(1),
    html: z.string().optional(),
    text: z.string().optional(),
  })
  .refine((c) => c.html !== undefined || c.text !== undefined, { message: 'email content needs html or text (or both)' })
  // The refinement, in terms JSON Schema (and so OpenAPI clients) understand.
  .meta({ anyOf: [{ required: ['html'] }, { required: ['text'] }] });

/**
 * Email: the profile's `email` trait. The html part's links are tracked and
 * it gets the open pixel; the text part's links are tracked. Limits: html and
 * text 512 Ki characters each (far above what mail clients show unclipped,
 * well below what providers refuse), the subject one header line.
 */
export const email = defineChannel({
  noun: 'an email',
  content,
  fields: {
    subject: { kind: 'plain', limit: 1_000 },
    html: { kind: 'html', limit: 524_288 },
    text: { kind: 'text', limit: 524_288 },
  },
  address: { find: (traits) => contactOf(traits).email, parse: emailAddress, expected: 'one plain email address' },
  createProvider(config, pool): EmailProvider {
    switch (config.email.provider) {
      case 'mailbox':
        return new MailboxEmailProvider(pool);
      case 'smtp':
        return new SmtpEmailProvider(requiredSetting(config.email.smtpUrl, 'SMTP_URL'), config.email.dkim);
      case 'sendgrid':
        return new SendGridEmailProvider({ apiKey: requiredSetting(config.email.sendgridApiKey, 'SENDGRID_API_KEY'), apiUrl: config.email.sendgridApiUrl });
    }
  },
  send(provider, m, settings) {
    const { subject = '', html, text } = m.content;
    return provider.send({ messageId: m.messageId, to: m.to, from: settings.emailFrom, subject, html, text, headers: m.headers });
  },
});
