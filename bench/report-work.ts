/** The "work per run" table: what Temporal and Postgres did per run, from histories, probes and pg_stat_statements. */
import type { StatementCounts } from './pg-statements';
import { ACTIONS_RULE, type RunWork } from './run-work';
import { dec, int, table } from './report-format';

export interface WorkRow {
  label: string;
  /** Runs the phase made (what per-run figures divide by). */
  runs: number;
  work?: RunWork;
  /** Shard wake-ups (signalWithStart) in the phase; undefined where they cannot be counted. */
  wakeUps?: number;
  /** Workflow starts, and how many came back eagerly started; undefined where not counted. */
  starts?: number;
  eager?: number;
  statements?: StatementCounts;
}

const DATABASES = ['homing', 'temporal', 'temporal_visibility'] as const;

/** Statements per run in one database: '–' where it is not in use, "not measured" where nothing was counted. */
function perRun(s: StatementCounts | undefined, db: string, runs: number): string {
  if (!s) return 'not measured';
  return s[db] === undefined ? '–' : dec(s[db] / Math.max(1, runs), 1);
}

export function workTable(rows: WorkRow[]): string {
  return table(
    [
      'phase', 'histories read', 'history events', 'workflow tasks', 'activity tasks', 'local activities', 'timers', 'signals', 'Temporal actions',
      'shard wake-ups', 'actions with wake-ups', 'eager starts', ...DATABASES.map((db) => `Postgres statements: ${db}`),
    ],
    rows.map((r) => {
      const w = r.work;
      const wake = r.wakeUps === undefined ? undefined : r.wakeUps / Math.max(1, r.runs);
      const n = (v: number | undefined) => (v === undefined ? 'n/a' : dec(v, 2));
      return [
        r.label,
        w ? `${int(w.sampled)} of ${int(w.of)}` : 'none',
        n(w?.events), n(w?.workflowTasks), n(w?.activityTasks), n(w?.localActivities), n(w?.timers), n(w?.signals), n(w?.actions),
        n(wake),
        w && wake !== undefined ? dec(w.actions + wake, 2) : 'n/a',
        r.starts === undefined ? 'n/a' : `${int(r.eager ?? 0)} of ${int(r.starts)}`,
        ...DATABASES.map((db) => perRun(r.statements, db, r.runs)),
      ];
    }),
  );
}

/** How to read the table, with the rule the actions follow and one run's history as an example. */
export function workNotes(example?: RunWork): string {
  return (
    `Per run, means over the histories read (spread evenly over the phase's runs; a parked run's history ends at its 24 h timer). ${ACTIONS_RULE}. ` +
    'Shard wake-ups are the dispatcher\'s `signalWithStart` calls per run (each is a signal: 1 action, plus a start when it starts the shard workflow); they are counted inside Homing\'s process. ' +
    'Postgres statements are `pg_stat_statements` calls per run by database (BEGIN and COMMIT included, the bench\'s own reads left out); the dev server keeps its state in SQLite, so it has no Temporal rows.' +
    (example ? ` A run's history: ${example.shape.join(' → ')}.` : '')
  );
}
