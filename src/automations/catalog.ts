import { z } from 'zod';
import type { Channel } from '../../workflows/types';

/** Durations as Temporal takes them: "90s", "15m", "24h", "2d". */
const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration like "30s", "15m", "24h" or "2d"');
const templateId = z.string().min(1).describe('id of a template (its published version is used)');

/** A code automation: the workflow that runs it and the parameters a mapping gives it. */
export interface Automation<S extends z.ZodObject = z.ZodObject> {
  id: string;
  description: string;
  /** The workflow function's name, as exported by workflows/index.ts. */
  workflowType: string;
  params: S;
  /** The parameters that name templates, with the channel each template must have. */
  templates(params: z.output<S>): Array<{ param: string; channel: Channel }>;
}

const emailThenSmsParams = z.object({
  emailTemplate: templateId,
  smsTemplate: templateId,
  wait: duration.default('24h').describe('how long to wait for the email to be opened or clicked'),
  smsWait: duration.default('24h').describe('how long to wait for the SMS link to be clicked'),
  contactWait: duration.default('5m').describe('how long a message waits for the recipient to get an address'),
});
export type EmailThenSmsParams = z.output<typeof emailThenSmsParams>;

const singleSendParams = z.object({
  channel: z.enum(['email', 'sms']),
  template: templateId,
  contactWait: duration.default('5m').describe('how long the message waits for the recipient to get an address'),
});
export type SingleSendParams = z.output<typeof singleSendParams>;

const define = <S extends z.ZodObject>(a: Automation<S>) => a as unknown as Automation;

/** Every automation Homing can run. Adding one: a workflow file in workflows/, its export in workflows/index.ts, one entry here. */
export const catalog: readonly Automation[] = [
  define({
    id: 'email-then-sms',
    description: 'Email; if it is not opened or clicked within `wait`, an SMS; if its link is not clicked within `smsWait`, the run ends with opened: false.',
    workflowType: 'emailThenSms',
    params: emailThenSmsParams,
    templates: () => [
      { param: 'emailTemplate', channel: 'email' },
      { param: 'smsTemplate', channel: 'sms' },
    ],
  }),
  define({
    id: 'single-send',
    description: 'One message on the chosen channel.',
    workflowType: 'singleSend',
    params: singleSendParams,
    templates: (p) => [{ param: 'template', channel: p.channel }],
  }),
];

export function findAutomation(id: string): Automation | undefined {
  return catalog.find((a) => a.id === id);
}
