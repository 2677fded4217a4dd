import { z } from 'zod';
import { contactOf } from '../ingest/traits';
import { phoneNumber } from '../messaging/addresses';
import { MailboxSmsProvider } from '../messaging/providers/mailbox';
import { TwilioSmsProvider } from '../messaging/providers/twilio';
import { requiredSetting, type SmsProvider } from '../messaging/providers/types';
import { twilioCallbackUrl } from '../webhooks/twilio';
import { defineChannel, stringTrait } from './types';

/**
 * WhatsApp through Twilio's Messages API (`whatsapp:<E.164>` addresses, the
 * SMS wire format otherwise): the profile's `whatsapp` trait, else its phone.
 * A body is at most 1,600 characters, as an SMS. Status callbacks are signed
 * as for SMS; `read` makes the message OPENED. Outside WhatsApp's 24-hour
 * session window Twilio refuses free-form text (error 63016): final.
 */
export const whatsapp = defineChannel({
  noun: 'a WhatsApp message',
  content: z.strictObject({ text: z.string().min(1) }),
  fields: { text: { kind: 'text', limit: 1_600 } },
  address: { find: (traits) => stringTrait(traits.whatsapp) ?? contactOf(traits).phone, parse: phoneNumber, expected: 'one E.164 phone number' },
  createProvider(config, pool): SmsProvider {
    if (config.whatsapp.provider === 'mailbox') return new MailboxSmsProvider(pool, 'whatsapp');
    return new TwilioSmsProvider({
      accountSid: requiredSetting(config.sms.twilioAccountSid, 'TWILIO_ACCOUNT_SID'),
      authToken: requiredSetting(config.sms.twilioAuthToken, 'TWILIO_AUTH_TOKEN'),
      from: requiredSetting(config.whatsapp.from, 'TWILIO_WHATSAPP_FROM'),
      apiUrl: config.sms.twilioApiUrl,
      addressPrefix: 'whatsapp:',
    });
  },
  send: (provider, m, settings) => provider.send({ messageId: m.messageId, to: m.to, text: m.content.text ?? '', statusCallbackUrl: twilioCallbackUrl(settings.publicUrl, m.messageId) }),
});
