import fs from 'node:fs';
import path from 'node:path';

/** `homing new automation <name>`: a commented starter definition and its test, in the user's automations folder. */

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export class ScaffoldError extends Error {}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function definition(name: string): string {
  return `import { defineAutomation, z } from 'homing/automation';

/**
 * ${name}: email, then an SMS if the email is ignored, unless the goal is reached first.
 * Map it (POST /api/mappings): { "automation": "${name}", "trigger": { "type": "track", "event": "…" },
 *   "params": { "email": "<email template id>", "sms": "<sms template id>" } }
 *
 * A run replays this code from its history whenever a worker picks it up
 * again, so once runs are in flight, change the order of its steps only behind
 * patched() from @temporalio/workflow, and check with \`npx homing replay\`.
 */
export const ${camel(name)} = defineAutomation({
  // What mappings name it by, and the Temporal workflow type of its runs: keep it once runs exist.
  id: '${name}',
  description: 'Email; an SMS if the email is not opened or clicked within \`wait\`; ends early when the goal is reached.',
  // The mapping's parameters. Each template slot below adds its own parameter: a template id of that channel.
  params: z.object({
    wait: z.string().default('1d').describe('how long the email has to be opened or clicked'),
  }),
  // The templates a run sends: slot → channel.
  templates: { email: 'email', sms: 'sms' },
  // The user's track events its runs can wait for (ctx.waitForEvent); only these reach them.
  events: ['Goal Reached'],
  // Any of these ends a run wherever it is, with outcome "goal".
  exitOn: ['Goal Reached'],
  async run(ctx, params) {
    const email = await ctx.send('email', 'email');
    if (await ctx.waitForEngagement(email, ['opened', 'clicked'], params.wait)) {
      return { outcome: 'engaged', step: email.step, channel: email.channel };
    }
    const sms = await ctx.send('sms', 'sms');
    if (await ctx.waitForEngagement(sms, ['clicked'], params.wait)) {
      return { outcome: 'engaged', step: sms.step, channel: sms.channel };
    }
    // Reported to Segment as Message Opened with opened: false.
    return { outcome: 'ignored' };
  },
});
`;
}

function test(name: string): string {
  return `import path from 'node:path';
import { startAutomationTests, type AutomationTests } from 'homing/testing';
import { ${camel(name)} } from './${name}';

// Runs on Temporal's time-skipping test server: a day's wait takes milliseconds.
let kit: AutomationTests;
beforeAll(async () => {
  kit = await startAutomationTests({ automations: path.join(__dirname, '${name}.ts') });
}, 120_000);
afterAll(() => kit?.close());

it('texts the user when the email is ignored, and ends ignored', async () => {
  const run = await kit.start(${camel(name)});
  expect(await run.result()).toEqual({ outcome: 'ignored' });
  expect(run.sends.map((s) => s.channel)).toEqual(['email', 'sms']);
});

it('an open ends the run before any SMS', async () => {
  const run = await kit.start(${camel(name)});
  await run.sent('email');
  await kit.skip('2h');
  await run.open('email');
  expect(await run.result()).toEqual({ outcome: 'engaged', step: 'email', channel: 'email' });
  expect(run.sends).toHaveLength(1);
});

it('ends with the goal when the user reaches it', async () => {
  const run = await kit.start(${camel(name)});
  await run.sent('email');
  await run.event('Goal Reached');
  expect(await run.result()).toEqual({ outcome: 'goal', event: 'Goal Reached' });
});
`;
}

/** Writes `<dir>/<name>.ts` and `<dir>/<name>.test.ts`; never overwrites. Returns the files written. */
export function scaffoldAutomation(name: string, dir: string): string[] {
  if (!NAME.test(name)) throw new ScaffoldError(`"${name}" is not an automation name: lower-case words joined by "-", like "trial-nudge"`);
  const files = { [path.join(dir, `${name}.ts`)]: definition(name), [path.join(dir, `${name}.test.ts`)]: test(name) };
  const existing = Object.keys(files).filter((f) => fs.existsSync(f));
  if (existing.length > 0) throw new ScaffoldError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing written`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, source] of Object.entries(files)) fs.writeFileSync(file, source, { flag: 'wx' });
  return Object.keys(files);
}
