// The bench's own automation (section 7, HOMING_AUTOMATIONS): a run that parks in waitForEvent and sends nothing,
// so parking 10,000 costs only their start, and a matching event's way to its run is all that is timed.
import { defineAutomation, z } from 'homing/automation';

export const WAITED_EVENT = 'Feature Used';

export const benchWaitForEvent = defineAutomation({
  id: 'bench-wait-for-event',
  description: 'Waits up to 24 h for the user\'s next `Feature Used`; a goal when it comes.',
  params: z.object({}),
  templates: {},
  events: [WAITED_EVENT],
  async run(ctx) {
    const event = await ctx.waitForEvent(WAITED_EVENT, { timeout: '24h' });
    return event ? { outcome: 'goal', event: event.name } : { outcome: 'done' };
  },
});
