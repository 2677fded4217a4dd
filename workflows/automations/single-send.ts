import { defineAutomation, z } from '../../src/sdk/automation';
import { CHANNEL_NAMES } from '../../src/channels/names';
import { duration } from './params';

/** One message on one channel; the run ends once it is sent (or cannot be). */
export const singleSend = defineAutomation({
  id: 'single-send',
  description: 'One message on the chosen channel.',
  params: z.object({
    channel: z.enum(CHANNEL_NAMES),
    contactWait: duration.default('5m').describe('how long the message waits for the recipient to get an address'),
  }),
  templates: { template: (p) => p.channel },
  async run(ctx, params) {
    return { outcome: 'done', message: await ctx.send('message', 'template', { contactWait: params.contactWait }) };
  },
});
