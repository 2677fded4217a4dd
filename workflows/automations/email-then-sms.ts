import { defineAutomation, z } from '../../src/sdk/automation';
import { duration } from './params';

/**
 * Email → wait for an open or click → otherwise SMS → wait for a click →
 * otherwise the run ends ignored (`Message Opened {opened: false}` to Segment).
 * An email that cannot be sent at all (no address, a permanent provider
 * error) falls back to SMS at once.
 */
export const emailThenSms = defineAutomation({
  id: 'email-then-sms',
  description: 'Email; if it is not opened or clicked within `wait`, an SMS; if its link is not clicked within `smsWait`, the run ends with opened: false.',
  params: z.object({
    wait: duration.default('24h').describe('how long to wait for the email to be opened or clicked'),
    smsWait: duration.default('24h').describe('how long to wait for the SMS link to be clicked'),
    contactWait: duration.default('5m').describe('how long a message waits for the recipient to get an address'),
  }),
  templates: { emailTemplate: 'email', smsTemplate: 'sms' },
  async run(ctx, params) {
    const email = await ctx.send('email', 'emailTemplate', { contactWait: params.contactWait });
    if (await ctx.waitForEngagement(email, ['opened', 'clicked'], params.wait)) return { outcome: 'engaged', step: email.step, channel: email.channel };
    const sms = await ctx.send('sms', 'smsTemplate', { contactWait: params.contactWait });
    if (await ctx.waitForEngagement(sms, ['clicked'], params.smsWait)) return { outcome: 'engaged', step: sms.step, channel: sms.channel };
    return { outcome: 'ignored' };
  },
});
