// A retention journey written against Homing's public entry point only, as it
// would live in your own repository. Load it with
//   HOMING_AUTOMATIONS=examples/automations npm start
// and map "Feature Not Used" to it (see README.md, "Write your own automation").
import { defineAutomation, z } from 'homing/automation';

/**
 * On "Feature Not Used": an email (its template can use profile.first_name,
 * profile.plan and data.feature). If it is not opened or clicked within `wait`,
 * a nudge at the next `at` in the user's time zone: a Slack message for
 * enterprise-plan users, an SMS for everyone else. If that link is not clicked
 * within `nudgeWait` either, the run ends ignored, which Homing reports to
 * Segment as `Message Opened` with `opened: false`. "Feature Used" at any point
 * ends the run at once: the goal is reached, nothing more is sent.
 */
export const retention = defineAutomation({
  id: 'retention',
  description: 'Email; unless opened (or the feature used) within `wait`, a Slack message (enterprise) or SMS at `at` local time; ignored → opened: false.',
  params: z.object({
    wait: z.string().default('3d').describe('how long the email has to be opened or clicked'),
    at: z.string().default('10:00').describe("the nudge's local time of day (HH:MM, the recipient's time zone)"),
    nudgeWait: z.string().default('1d').describe("how long the nudge's link has to be clicked"),
  }),
  templates: { email: 'email', sms: 'sms', slack: 'slack' },
  exitOn: ['Feature Used'],
  async run(ctx, params) {
    const email = await ctx.send('email', 'email');
    if (await ctx.waitForEngagement(email, ['opened', 'clicked'], params.wait)) {
      return { outcome: 'engaged', step: email.step, channel: email.channel };
    }
    await ctx.sleepUntil({ at: params.at });
    // Read when the nudge goes, not at the start: the plan may have changed in 3 days.
    const { traits } = await ctx.profile();
    const nudge = await ctx.send('nudge', traits.plan === 'enterprise' ? 'slack' : 'sms');
    if (await ctx.waitForEngagement(nudge, ['clicked'], params.nudgeWait)) {
      return { outcome: 'engaged', step: nudge.step, channel: nudge.channel };
    }
    return { outcome: 'ignored' };
  },
});
