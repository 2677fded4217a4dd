import type { Config } from '../../config';
import type { Pool } from '../../db/pool';
import { MailboxEmailProvider, MailboxSmsProvider } from './mailbox';
import { SendGridEmailProvider } from './sendgrid';
import { SmtpEmailProvider } from './smtp';
import { TwilioSmsProvider } from './twilio';
import type { EmailProvider, SmsProvider } from './types';

export interface Providers {
  email: EmailProvider;
  sms: SmsProvider;
  /** Releases what the providers hold open (pooled SMTP connections). */
  close(): Promise<void>;
}

/** Config validation already demands these settings for the provider chosen; this keeps the types honest. */
function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required by the chosen provider`);
  return value;
}

function createEmailProvider(config: Config, pool: Pool): EmailProvider & { close?(): void } {
  switch (config.email.provider) {
    case 'mailbox':
      return new MailboxEmailProvider(pool);
    case 'smtp':
      return new SmtpEmailProvider(required(config.email.smtpUrl, 'SMTP_URL'));
    case 'sendgrid':
      return new SendGridEmailProvider({ apiKey: required(config.email.sendgridApiKey, 'SENDGRID_API_KEY'), apiUrl: config.email.sendgridApiUrl });
  }
}

function createSmsProvider(config: Config, pool: Pool): SmsProvider {
  const sms = config.sms;
  switch (sms.provider) {
    case 'mailbox':
      return new MailboxSmsProvider(pool);
    case 'twilio':
      return new TwilioSmsProvider({
        accountSid: required(sms.twilioAccountSid, 'TWILIO_ACCOUNT_SID'),
        authToken: required(sms.twilioAuthToken, 'TWILIO_AUTH_TOKEN'),
        from: required(sms.twilioFrom, 'TWILIO_FROM'),
        apiUrl: sms.twilioApiUrl,
      });
  }
}

export function createProviders(config: Config, pool: Pool): Providers {
  const email = createEmailProvider(config, pool);
  const sms = createSmsProvider(config, pool);
  return {
    email,
    sms,
    async close() {
      email.close?.();
    },
  };
}
