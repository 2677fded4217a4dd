import type { SingleSendParams } from '../src/automations/catalog';
import { deliver, runAutomation } from './messaging';
import type { RunInput, SendOutcome } from './types';

/** One message on one channel; the run ends once it is sent (or cannot be). */
export async function singleSend(input: RunInput<SingleSendParams>): Promise<SendOutcome> {
  const { params, templates } = input;
  return runAutomation(input, () => deliver(input, 'message', params.channel, templates.template!, params.contactWait));
}
