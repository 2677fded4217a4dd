import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startAutomationTests, type AutomationTests } from 'homing/testing';
import { trialGoal } from '../fixtures/automations/trial-goal';

// Histories of waits too long for the dev server (a 2-day wait, then the next
// 09:30 local), captured on the time-skipping server through the test kit.
// Re-capture with: npx jest --testMatch '**/test/capture/*.capture.ts'

const USER_AUTOMATIONS = path.join(__dirname, '..', 'fixtures', 'automations');
let kit: AutomationTests;

beforeAll(async () => {
  kit = await startAutomationTests({ automations: USER_AUTOMATIONS });
}, 120_000);
afterAll(() => kit?.close());

it('trial-goal: nothing chosen, the reminder at 09:30 local, ignored', async () => {
  const run = await kit.start(trialGoal, { recipient: { timezone: 'Europe/Berlin' } });
  expect(await run.result()).toEqual({ outcome: 'ignored' });
  const history = await kit.handle(run.id).fetchHistory();
  fs.writeFileSync(path.join(USER_AUTOMATIONS, 'histories', 'trial-goal-ignored.json'), `${historyToJSON(history)}\n`);
});
