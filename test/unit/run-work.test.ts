import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { countHistory } from '../../bench/run-work';

/** The bench's per-run Temporal work, counted on the committed histories of an ignored email-then-sms run (email, 24 h, SMS, 24 h, close). */
const events = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'histories', file), 'utf8'))).events ?? [];

it('with local activities: three workflow tasks, no activity task; the send and close of each task bill as one action', () => {
  expect(countHistory(events('email-then-sms-ignored.json'))).toMatchObject({ workflowTasks: 3, activityTasks: 0, localActivities: 3, timers: 2, signals: 0, actions: 6 });
});

it('with activity tasks (runs started before): six workflow tasks and three activity tasks for the same work', () => {
  expect(countHistory(events('email-then-sms-ignored.activity-sends.json'))).toMatchObject({ workflowTasks: 6, activityTasks: 3, localActivities: 0, timers: 2, signals: 0, actions: 6 });
});

it('an engagement signal is one action', () => {
  expect(countHistory(events('email-then-sms-opened.json'))).toMatchObject({ signals: 1, timers: 1, activityTasks: 0 });
});
