import { z } from 'zod';
import { contactOf } from '../ingest/traits';
import { phoneNumber } from '../messaging/addresses';
import { MailboxSmsProvider } from '../messaging/providers/mailbox';
import { TwilioSmsProvider } from '../messaging/providers/twilio';
import { requiredSetting, type SmsProvider } from '../messaging/providers/types';
import { twilioCallbackUrl } from '../webhooks/twilio';
import { defineChannel } from './types';

/**
 * SMS: the profile's `phone` (or `phone_number`, `sms`) trait in E.164. At
 * most 1,600 characters (Twilio's limit for a concatenated message); links
 * are tracked. Twilio reports delivery through signed status callbacks.
 */
export const sms = defineChannel({
  noun: 'an sms',
  content: z.strictObject({ text: z.string().min(1) }),
  fields: { text: { kind: 'text', limit: 1_600 } },
  address: { find: (traits) => contactOf(traits).phone, parse: phoneNumber, expected: 'one E.164 phone number' },
  createProvider(config, pool): SmsProvider {
    const { sms: c } = config;
    switch (c.provider) {
      case 'mailbox':
        return new MailboxSmsProvider(pool);
      case 'twilio':
        return new TwilioSmsProvider({
          accountSid: requiredSetting(c.twilioAccountSid, 'TWILIO_ACCOUNT_SID'),
          authToken: requiredSetting(c.twilioAuthToken, 'TWILIO_AUTH_TOKEN'),
          from: requiredSetting(c.twilioFrom, 'TWILIO_FROM'),
          apiUrl: c.twilioApiUrl,
        });
    }
  },
  send: (provider, m, settings) => provider.send({ messageId: m.messageId, to: m.to, text: m.content.text ?? '', statusCallbackUrl: twilioCallbackUrl(settings.publicUrl, m.messageId) }),
});
