/**
 * Section 8: the Studio. Its first load on localhost in Chromium against a
 * stated budget of gzipped JavaScript, and the event log with 1,000,000 events
 * in the log: the API's answer times per filter and the plans of their queries.
 * A Postgres and an API of its own (no Temporal: these screens only read).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { eventsQuery, type EventFilter } from '../src/db/events';
import { startEmbeddedPostgres } from '../src/embedded/postgres';
import { createLogger } from '../src/logger';
import { openDatabase, startApi } from '../src/services';
import { packageRoot } from '../src/version';
import { log, tempDir } from './host';
import { withMarkedSection } from './report-format';
import { summarize } from './stats';

/** What the Studio's first screen may load, gzipped: React and the app in one file (section 8 checks it). */
export const JS_BUDGET_BYTES = 125 * 1024;
const FIRST_LOAD_GOAL_MS = 1_000;
const EVENTS = 1_000_000;
const LOADS = 5;
const REQUESTS = 20;
const ADMIN_TOKEN = 'bench-admin-token';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface StudioReport {
  date: string;
  jsGzipBytes: number;
  jsFiles: number;
  /** Cold loads (a new browser context each): until the sign-in form shows, and the signed-in event log's first row. */
  signInMs: number[];
  eventLogMs: number[];
  events: number;
  insertMs: number;
  queries: Array<{ name: string; path: string; p50: number; max: number; plan: string }>;
}

/** The event log's filters as the Studio sends them, each with the query behind it. */
const FILTERS: Array<{ name: string; filter: Omit<EventFilter, 'limit'> }> = [
  { name: 'newest 50', filter: {} },
  { name: 'status unmapped', filter: { status: 'unmapped' } },
  { name: 'status mapped (1 in 14)', filter: { status: 'mapped' } },
  { name: 'type identify', filter: { type: 'identify' } },
  { name: 'event name', filter: { event: 'Event 3' } },
  { name: 'user', filter: { userId: 'user-4242' } },
  { name: 'an event name never sent', filter: { event: 'Never Sent' } },
  // Mapped events are never named "Event 3" here: the index finds the name's 20,000 events and the filter rejects them all.
  { name: 'status + type + event, none matching (the worst case)', filter: { status: 'mapped', type: 'track', event: 'Event 3' } },
];

/** 1,000,000 events like a busy workspace's: 60 % track (50 names), 30 % identify, 10 % page, 100,000 users, one every 0.6 s. */
async function fillLog(pool: Pool): Promise<number> {
  const t0 = Date.now();
  await pool.query(
    `INSERT INTO events (message_id, type, event, user_id, status, payload, received_at)
     SELECT 'bench-' || g, t.type, CASE WHEN t.type = 'track' THEN 'Event ' || (g % 50) END, 'user-' || (g % 100000),
       CASE WHEN t.type <> 'track' THEN 'accepted' WHEN g % 14 = 0 THEN 'mapped' ELSE 'unmapped' END,
       jsonb_build_object('type', t.type, 'messageId', 'bench-' || g, 'userId', 'user-' || (g % 100000), 'properties', jsonb_build_object('plan', 'pro', 'n', g)),
       now() - make_interval(secs => ($1 - g) * 0.6)
     FROM generate_series(1, $1) g, LATERAL (SELECT CASE WHEN g % 10 < 6 THEN 'track' WHEN g % 10 < 9 THEN 'identify' ELSE 'page' END AS type) t`,
    [EVENTS],
  );
  await pool.query('VACUUM ANALYZE events');
  return Date.now() - t0;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** The first load, cold: the sign-in form, then (signed in through the API, as the form does) the event log's first row. */
async function firstLoads(url: string): Promise<{ signInMs: number[]; eventLogMs: number[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const signInMs: number[] = [];
  const eventLogMs: number[] = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      let t0 = performance.now();
      await page.goto(`${url}/studio/sign-in`);
      await page.getByLabel('Admin token').waitFor();
      signInMs.push(performance.now() - t0);
      const signedIn = await context.request.post(`${url}/api/session`, { data: { token: ADMIN_TOKEN } });
      if (!signedIn.ok()) throw new Error(`sign-in: ${signedIn.status()}`);
      t0 = performance.now();
      await page.goto(`${url}/studio/events`);
      await page.locator('table.events tbody tr').first().waitFor();
      eventLogMs.push(performance.now() - t0);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return { signInMs, eventLogMs };
}

export async function runStudioBench(): Promise<StudioReport> {
  const dir = tempDir('homing-bench-studio-');
  const quiet = createLogger('silent');
  const assets = path.join(packageRoot(), 'dist', 'studio', 'assets');
  const js = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
  const jsGzipBytes = js.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length, 0);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), database: 'homing', log: quiet });
  try {
    const config = loadConfig({
      PORT: '0', HOMING_DATA_DIR: path.join(dir, 'homing'), DATABASE_URL: pg.url, TEMPORAL_ADDRESS: '127.0.0.1:1',
      HOMING_API_KEY: 'bench-api-key', HOMING_ADMIN_TOKEN: ADMIN_TOKEN, TRACKING_SECRET: 'bench', LOG_LEVEL: 'silent',
    });
    const pool = await openDatabase(pg.url, quiet);
    const api = await startApi({ config, pool, databaseUrl: pg.url, temporalAddress: '127.0.0.1:1', log: quiet, port: 0 });
    try {
      log(`studio: filling the event log with ${EVENTS.toLocaleString('en-US')} events`);
      const insertMs = await fillLog(pool);
      const url = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
      const get = async (p: string) => {
        const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        if (!res.ok) throw new Error(`GET ${p}: ${res.status}`);
        await res.arrayBuffer();
      };
      const queries: StudioReport['queries'] = [];
      const measure = async (name: string, p: string, plan: string) => {
        await get(p);
        const times = await timed(REQUESTS, () => get(p));
        const { p50, max } = summarize(times);
        queries.push({ name, path: p, p50, max, plan });
      };
      for (const { name, filter } of FILTERS) {
        const q = eventsQuery({ ...filter, limit: 50 });
        const plan = (await pool.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${q.text}`, q.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
        await measure(name, `/api/events?${new URLSearchParams({ ...(filter as Record<string, string>), limit: '50' })}`, plan);
      }
      const second = (await pool.query<{ id: string }>(`SELECT id::text FROM events WHERE user_id = 'user-4242' ORDER BY id DESC OFFSET 9 LIMIT 1`)).rows[0]!.id;
      const page2 = eventsQuery({ userId: 'user-4242', before: second, limit: 50 });
      await measure('user, page 2 (cursor)', `/api/events?userId=user-4242&cursor=${second}&limit=50`, (await pool.query(`EXPLAIN (COSTS OFF) ${page2.text}`, page2.values)).rows.map((r) => r['QUERY PLAN']).join('\n'));
      await measure('Connect Segment (count up to 10,000, newest event)', '/api/segment/connection', '');
      await measure('overview, last 7 days', `/api/stats/overview?from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`, '');
      log('studio: first loads in Chromium');
      const loads = await firstLoads(url);
      return { date: new Date().toISOString(), jsGzipBytes, jsFiles: js.length, ...loads, events: EVENTS, insertMs, queries };
    } finally {
      await api.stop();
      await pool.end();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const BEGIN = '<!-- studio:begin -->';
const END = '<!-- studio:end -->';
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));

export function renderStudio(r: StudioReport): string {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const signIn = summarize(r.signInMs).p50;
  const eventLog = summarize(r.eventLogMs).p50;
  // The event log's own requests (those with a plan); Connect and the overview are listed below them.
  const slowest = Math.max(...r.queries.filter((q) => q.plan).map((q) => q.p50));
  const overview = r.queries.find((q) => q.path.startsWith('/api/stats/overview'));
  const lines = [
    BEGIN,
    '## 8. The Studio',
    '',
    `The Studio (dist/studio) served by \`homing api\` on a Postgres of its own, in Debian's Chromium through playwright-core on localhost; the event log holds ${r.events.toLocaleString('en-US')} events (60 % track with 50 names, 30 % identify, 10 % page; 100,000 users; filled in ${(r.insertMs / 1000).toFixed(0)} s, then \`VACUUM ANALYZE\`). \`BENCH_ONLY=studio npm run bench\` runs only this part. Run of ${r.date}.`,
    '',
    '| goal | target | result | |',
    '| --- | --- | --- | --- |',
    `| first load on localhost (cold: new browser context), until the sign-in form shows | < ${FIRST_LOAD_GOAL_MS} ms | p50 ${ms(signIn)} ms, max ${ms(Math.max(...r.signInMs))} ms (${r.signInMs.length} loads) | ${Math.max(...r.signInMs) < FIRST_LOAD_GOAL_MS ? '✅ met' : '❌ not met'} |`,
    `| JavaScript of the first load, gzipped | ≤ ${kib(JS_BUDGET_BYTES)} (the budget) | ${kib(r.jsGzipBytes)} in ${r.jsFiles} file${r.jsFiles === 1 ? '' : 's'} | ${r.jsGzipBytes <= JS_BUDGET_BYTES ? '✅ met' : '❌ not met'} |`,
    `| signed-in event log, cold load until its first row, with ${r.events.toLocaleString('en-US')} events | < ${FIRST_LOAD_GOAL_MS} ms | p50 ${ms(eventLog)} ms, max ${ms(Math.max(...r.eventLogMs))} ms | ${Math.max(...r.eventLogMs) < FIRST_LOAD_GOAL_MS ? '✅ met' : '❌ not met'} |`,
    `| the event log's API answers per filter and page (below), slowest p50 | < 250 ms | ${ms(slowest)} ms | ${slowest < 250 ? '✅ met' : '❌ not met'} |`,
    '',
    ...(overview
      ? [
          `The Overview's count of events received in the last 7 days (here about ${Math.round(Math.min(r.events, (7 * 86_400) / 0.6)).toLocaleString('en-US')} of them) took p50 ${ms(overview.p50)} ms: it counts the period's events one by one along the primary key (no index on \`received_at\`, which every ingested event would pay for), so it grows with the period's traffic. The Overview loads it once per period chosen; it does not poll.`,
          '',
        ]
      : []),
    `### The event log's requests with ${r.events.toLocaleString('en-US')} events (${REQUESTS} each, after one warm-up; HTTP round trip through the API)`,
    '',
    '| request | p50 (ms) | max (ms) |',
    '| --- | --- | --- |',
    ...r.queries.map((q) => `| ${q.name}: \`GET ${q.path.replace(/\|/g, '\\|')}\` | ${ms(q.p50)} | ${ms(q.max)} |`),
    '',
    '### Their plans (`EXPLAIN ANALYZE`, 50 rows)',
    '',
    ...r.queries
      .filter((q) => q.plan)
      .flatMap((q) => [`**${q.name}**`, '', '```', q.plan, '```', '']),
    END,
  ];
  return lines.join('\n');
}

export const withStudioSection = (markdown: string, section: string) => withMarkedSection(markdown, section, BEGIN, END);
