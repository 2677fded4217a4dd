import type { EmailThenSmsParams } from '../src/automations/catalog';
import { deliver, runAutomation, trackEngagement } from './messaging';
import type { RunInput } from './types';

export interface EmailThenSmsResult {
  opened: boolean;
  /** The channel whose message was opened or clicked. */
  engagedBy?: 'email' | 'sms';
}

/**
 * Email → wait for an open or click → otherwise SMS → wait for a click →
 * otherwise the run ends with `opened: false`. An email that cannot be sent
 * at all (no address, a permanent provider error) falls back to SMS at once.
 */
export async function emailThenSms(input: RunInput<EmailThenSmsParams>): Promise<EmailThenSmsResult> {
  const engagement = trackEngagement();
  const { params, templates } = input;
  return runAutomation(input, async () => {
    const email = await deliver(input, 'email', 'email', templates.emailTemplate!, params.contactWait);
    if (email.status === 'sent' && (await engagement.waitFor(email.messageId, ['opened', 'clicked'], params.wait))) {
      return { opened: true, engagedBy: 'email' as const };
    }
    const sms = await deliver(input, 'sms', 'sms', templates.smsTemplate!, params.contactWait);
    if (sms.status === 'sent' && (await engagement.waitFor(sms.messageId, ['clicked'], params.smsWait))) {
      return { opened: true, engagedBy: 'sms' as const };
    }
    return { opened: false };
  });
}
