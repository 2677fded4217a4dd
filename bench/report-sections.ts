/** The ingest, profile and identify → profile sections of BENCHMARKS.md. */
import type { ProbeCounters } from './probes';
import type { Summary } from './stats';
import type { BarePhase, BenchReport, HomingPhase, LatencyPhase } from './report-types';
import { cpuPerEvent, dec, int, msf, pct, perSecond, ratio, table } from './report-format';

function probeRows(p: ProbeCounters, secs: number, installed: BenchReport['probesInstalled']): string[][] {
  const rows: string[][] = [];
  if (installed.signals)
    rows.push(['Temporal signals (dispatcher `signalWithStart`)', `${int(p.signals)} (${int(p.signals / secs)}/s), ${msf(p.signalMs / Math.max(1, p.signals))} ms each on average`]);
  if (installed.batches)
    rows.push([
      'apply batches (`applyShardBatch` activities)',
      `${int(p.batches)} (${dec(p.batches / secs, 1)}/s), ${dec(p.applied / Math.max(1, p.batches), 1)} profile changes each, ${msf(p.applyMs / Math.max(1, p.batches))} ms each on average (one transaction each)`,
    ]);
  return rows;
}

export function ingestSection(title: string, route: string, h: HomingPhase, a: BarePhase, b: BarePhase, r: BenchReport): string {
  const hs = perSecond(h.load);
  const as = perSecond(a.load);
  const bs = perSecond(b.load);
  const secs = h.load.elapsedMs / 1000;
  const identifies = Math.round(h.load.events / r.settings.identifyEvery);
  const lat = (k: 'p50' | 'p90' | 'p99' | 'max', label: string) => [
    label,
    msf(h.load.latency[k]),
    msf(a.load.latency[k]),
    msf(b.load.latency[k]),
    k === 'max' ? '' : ratio(h.load.latency[k], b.load.latency[k]),
  ];
  const rows: string[][] = [
    ['events/s', int(hs.events), int(as.events), int(bs.events), ratio(hs.events, bs.events)],
    ['requests/s', int(hs.requests), int(as.requests), int(bs.requests), ratio(hs.requests, bs.requests)],
    lat('p50', 'latency p50 (ms)'),
    lat('p90', 'latency p90 (ms)'),
    lat('p99', 'latency p99 (ms)'),
    lat('max', 'latency max (ms)'),
    ['measured for (s)', dec(secs, 1), dec(a.load.elapsedMs / 1000, 1), dec(b.load.elapsedMs / 1000, 1), ''],
    ['requests (2xx)', int(h.load.requests), int(a.load.requests), int(b.load.requests), ''],
    ['errors (non-2xx or failed)', int(h.load.errors), int(a.load.errors), int(b.load.errors), ''],
    [
      'CPU per event, server process (µs)',
      dec(cpuPerEvent(h.cpu.groups.homing, hs.events), 0),
      dec(cpuPerEvent(a.cpu.groups.homing, as.events), 0),
      dec(cpuPerEvent(b.cpu.groups['bare server'], bs.events), 0),
      ratio(cpuPerEvent(h.cpu.groups.homing, hs.events), cpuPerEvent(b.cpu.groups['bare server'], bs.events)),
    ],
    ['CPU per event, Postgres (µs)', dec(cpuPerEvent(h.cpu.groups.postgres, hs.events), 0), dec(cpuPerEvent(a.cpu.groups.postgres, as.events), 0), '–', ''],
    ['CPU per event, Temporal server (µs)', dec(cpuPerEvent(h.cpu.groups.temporal, hs.events), 0), dec(cpuPerEvent(a.cpu.groups.temporal, as.events), 0), '–', ''],
    ['CPU per event, load generator (µs)', dec(cpuPerEvent(h.cpu.groups['load generator'], hs.events), 0), dec(cpuPerEvent(a.cpu.groups['load generator'], as.events), 0), dec(cpuPerEvent(b.cpu.groups['load generator'], bs.events), 0), ''],
    ['errors seen', h.load.firstError ?? '–', a.load.firstError ?? '–', b.load.firstError ?? '–', ''],
  ];
  const dbRows: string[][] = [
    ['events in the log (this phase)', `${int(h.stored)} (${Object.entries(h.statuses).map(([k, v]) => `${k} ${int(v)}`).join(', ')})`],
    [
      'ingest transactions (distinct `received_at`)',
      `${int(h.ingestTransactions)}: ${dec(h.stored / Math.max(1, h.ingestTransactions), 1)} events and ${dec(h.load.requests / Math.max(1, h.ingestTransactions), 2)} requests per transaction; ${int(h.ingestTransactions / secs)} ingest commits/s`,
    ],
    ['all Postgres commits/s (`pg_stat_database`, incl. the worker and reads)', int(h.commits / secs)],
    ['WAL fsyncs/s (`pg_stat_wal.wal_sync`)', int(h.walSyncs / secs)],
    ['WAL written', `${dec(h.walBytes / 1024 ** 2 / secs, 1)} MB/s (${int(h.walBytes / Math.max(1, h.stored))} bytes per event)`],
    ['identifies queued for profiles', `${int(identifies)} (${int(identifies / secs)}/s)`],
    ...probeRows(h.probes, secs, r.probesInstalled),
    ['outbox backlog when the load stopped', int(h.drain.backlog)],
    [
      'backlog applied after the load, in',
      h.drain.drained
        ? `${dec(h.drain.ms / 1000, 1)} s` + (h.drain.backlog >= 500 ? ` → ${int(h.drain.backlog / Math.max(0.001, h.drain.ms / 1000))} profile changes/s with no ingest running` : '')
        : `NOT drained within ${dec(h.drain.ms / 1000, 0)} s (${int(h.drain.left)} left)`,
    ],
  ];
  return [
    `## ${title}`,
    '',
    `\`POST ${route}\`, ${route === '/v1/batch' ? `${r.settings.batchSize} events per request` : 'one event per request'}, ${r.settings.concurrency} requests in flight (closed loop). ` +
      `Homing (API + worker, as \`homing start\` runs it): measured after a ${dec(r.settings.warmupMs / 1000, 0)} s warm-up. ` +
      `API only: the same load with the worker and its outbox dispatcher stopped. Bare Node: after a ${dec(r.settings.bareWarmupMs / 1000, 0)} s warm-up. Latency is per request, from send to the end of the response.`,
    '',
    table(['', 'Homing (API + worker)', 'Homing API only (worker stopped)', 'bare Node', 'Homing / bare'], rows),
    '',
    'In Postgres and the worker, during the Homing (API + worker) run:',
    '',
    table(['', ''], dbRows),
  ].join('\n');
}

export function profileSection(r: BenchReport): string {
  const p = r.apiOnly.profile;
  const load = r.apiOnly.profiledLoad;
  return [
    '### Where the API spends its time',
    '',
    `The API-only single-event load once more for ${dec(load.elapsedMs / 1000, 0)} s under V8's sampling profiler (${int(perSecond(load).events)} events/s while profiled; the worker stopped, so the profiled thread is the API's alone). ` +
      `The event loop thread was busy ${pct(p.busyPercent)} of the time. Shares of that busy time:`,
    '',
    table(['self time in', '% of busy'], p.self.slice(0, 12).map((x) => [x.what, dec(x.percent, 1)])),
    '',
    table(['time in or under', '% of busy'], p.inclusive.map((x) => [x.what, dec(x.percent, 1)])),
  ].join('\n');
}

function summaryRow(label: string, s: Summary): string[] {
  return [label, int(s.count), msf(s.p50), msf(s.p90), msf(s.p99), msf(s.max)];
}

export function latencySection(p: LatencyPhase, r: BenchReport): string {
  const l = p.result;
  const secs = Math.max(0.001, l.sendSpanMs / 1000);
  return [
    `### ${p.rate} identifies/s for ${dec(p.durationMs / 1000, 0)} s`,
    '',
    `${int(l.sent)} identifies sent in ${dec(secs, 1)} s (${dec(l.sent / secs, 0)}/s); ${int(l.applied)} seen applied, ${int(l.notApplied)} not applied within ${dec(r.settings.latencyTailMs / 1000, 0)} s after the last send, ${int(l.httpErrors)} HTTP errors${l.firstError ? ` (first: ${l.firstError})` : ''}; ${int(l.polls)} polls.`,
    '',
    table(['measure', 'events', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)'], [
      summaryRow('HTTP request (send → response)', l.http),
      summaryRow('`applied_at − received_at` (DB timestamps)', l.dbApplied),
      summaryRow('`applied_at` − HTTP send', l.sendToAppliedAt),
      summaryRow('**poll-observed**: first poll seeing `applied_at` − HTTP send', l.pollObserved),
      summaryRow('poll-observed − `applied_at` (applying transaction + poll delay)', l.appliedToSeen),
      summaryRow('one poll query', l.pollQuery),
      summaryRow('send lateness vs. schedule', l.scheduleLag),
    ]),
    '',
    ...(probeRows(p.probes, (p.cpu.wallSeconds || secs), r.probesInstalled).length > 0
      ? [`Worker during this phase: ${probeRows(p.probes, p.cpu.wallSeconds || secs, r.probesInstalled).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '']
      : []),
  ].join('\n');
}
