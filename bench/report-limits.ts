/** "What limits it": BENCHMARKS.md's reading of one run's figures. */
import type { BenchReport, HomingPhase } from './report-types';
import { cpuPerEvent, dec, int, msf, otherCpu, pct, perSecond, ratio } from './report-format';
import { isWalWait, waitShare } from './report-cpu';

export function limits(r: BenchReport): string[] {
  const cores = r.machine.cores;
  const out: string[] = [];
  const b = r.batch.homing;
  const s = r.single.homing;
  const describe = (name: string, p: HomingPhase) => {
    const eps = perSecond(p.load).events;
    const g = p.cpu.groups;
    return (
      `During ${name} the machine was ${pct(p.cpu.systemBusy)} busy (all ${cores} cores; iowait ${pct(p.cpu.systemIowait)}). ` +
      `Homing's process used ${pct(g.homing ?? 0)} of a core, its event loop thread ${pct(g['homing main thread'] ?? 0)}; ` +
      `Postgres ${pct(g.postgres ?? 0)}, Temporal ${pct(g.temporal ?? 0)}, the load generator ${pct(g['load generator'] ?? 0)}, other processes ${pct(otherCpu(p.cpu, cores))}. ` +
      `Per event: Homing ${dec(cpuPerEvent(g.homing, eps), 0)} µs of CPU, Postgres ${dec(cpuPerEvent(g.postgres, eps), 0)} µs, Temporal ${dec(cpuPerEvent(g.temporal, eps), 0)} µs, the load generator ${dec(cpuPerEvent(g['load generator'], eps), 0)} µs.`
    );
  };
  out.push(`**Where the CPU goes.** ${describe('the batched phase', b)} ${describe('the single-event phase', s)}`);

  const verdict = (p: HomingPhase): string => {
    const main = p.cpu.groups['homing main thread'] ?? 0;
    if (p.cpu.systemBusy >= 85 && main >= 85) return "both cores busy and Homing's event loop thread at a full core";
    if (main >= 85) return "Homing's event loop thread at a full core (the machine not)";
    if (p.cpu.systemBusy >= 85) return `both cores busy (${pct(p.cpu.systemBusy)}), Homing's event loop thread not saturated (${pct(main)}): the machine as a whole is the limit`;
    return `neither the cores (${pct(p.cpu.systemBusy)}) nor the event loop (${pct(main)}) saturated: the limit is waiting (for WAL flushes and for turns on the event loop; see "Durability and commit serialization")`;
  };
  out.push(`Batched: ${verdict(b)}. Single events: ${verdict(s)}.`);

  // What the worker costs ingest.
  const hb = perSecond(b.load).events;
  const hs = perSecond(s.load).events;
  const ab = perSecond(r.apiOnly.batch.load).events;
  const as = perSecond(r.apiOnly.single.load).events;
  const bb = perSecond(r.batch.bare.load).events;
  const sb = perSecond(r.single.bare.load).events;
  let worker =
    `**What the worker costs ingest.** With the worker and dispatcher stopped, the same API took ${int(ab)} batched events/s and ${int(as)} single events/s ` +
    `(${ratio(ab, hb)} and ${ratio(as, hs)} what it reached with them running in the same process). ` +
    `Even API-only, Homing reaches ${ratio(ab, bb)} (batched) and ${ratio(as, sb)} (single) of the bare Node server's throughput: Homing's process spends ${dec(cpuPerEvent(r.apiOnly.single.cpu.groups.homing, as), 0)} µs of CPU per single-event request against ${dec(cpuPerEvent(r.single.bare.cpu.groups['bare server'], sb), 0)} µs for the bare server, ` +
    `and Postgres ${dec(cpuPerEvent(r.apiOnly.single.cpu.groups.postgres, as), 0)} µs per single event (${dec(cpuPerEvent(r.apiOnly.batch.cpu.groups.postgres, ab), 0)} µs per batched one); the API's time is spread over Node's HTTP stack, Express, Homing's handlers and the pg protocol with no single hot spot (see the profile in section 3).`;
  out.push(worker);
  out.push(singleEventBudget(r));

  if (r.probesInstalled.batches) {
    const secB = b.load.elapsedMs / 1000;
    const queued = hb / r.settings.identifyEvery;
    const starved = b.probes.applied / secB < queued / 4;
    out.push(
      (starved ? '**Under batched ingest, profile changes are hardly applied.** ' : '**Applying profile changes during batched ingest.** ') +
        `While the batched load ran, the worker applied ${int(b.probes.applied)} profile changes (${int(b.probes.applied / secB)}/s, against ${int(queued)} identifies/s queued)` +
        (b.probes.batches > 0 ? ` in ${int(b.probes.batches)} \`applyShardBatch\` transactions of ${msf(b.probes.applyMs / b.probes.batches)} ms on average` : ': no apply batch finished while it ran') +
        `. Each such transaction runs about four sequential queries per identify (alias lookup, profile insert, \`SELECT … FOR UPDATE\`, update), and between two queries it waits for the event loop it shares with the API: ` +
        `during that phase a 10 ms timer on Homing's event loop fired p50 ${msf(b.cpu.loopDelay?.p50 ?? NaN)} ms / p99 ${msf(b.cpu.loopDelay?.p99 ?? NaN)} ms late, because each batch request is parsed, validated and serialized in one go, ` +
        `and the apply transactions were ${pct(waitShare(b.cpu, 'apply', (w) => w.startsWith('idle in transaction')))} of their time idle in transaction, waiting for Homing's next query (see "Where Postgres backends wait"). ` +
        `So the backlog grew to ${int(b.drain.backlog)} and was applied only after the load stopped.`,
    );
  }
  if (r.probesInstalled.signals) {
    const secS = s.load.elapsedMs / 1000;
    const secB = b.load.elapsedMs / 1000;
    out.push(
      `Temporal signals: the dispatcher called \`signalWithStart\` ${dec(b.probes.signals / secB, 1)} times/s during the batched phase and ${dec(s.probes.signals / secS, 1)} times/s during the single-event one ` +
        `(against ${dec(s.probes.batches / secS, 1)} apply batches/s); the Temporal server used ${pct(b.cpu.groups.temporal ?? 0)} and ${pct(s.cpu.groups.temporal ?? 0)} of a core.`,
    );
  }

  const commitsPerSecMax = 1000 / r.machine.fsync.p50;
  const singleTx = s.ingestTransactions / (s.load.elapsedMs / 1000);
  const walShareS = waitShare(r.apiOnly.single.cpu, 'ingest', isWalWait);
  const walShareB = waitShare(r.apiOnly.batch.cpu, 'ingest', isWalWait);
  const notifyShare = waitShare(r.apiOnly.single.cpu, 'ingest', (w) => w === 'Lock:object');
  out.push(
    `**Durability and commit serialization.** Every ingest statement commits on its own and waits for its WAL flush (synchronous_commit=${r.pgSettings.synchronous_commit ?? '?'}, fsync=${r.pgSettings.fsync ?? '?'}); ` +
      `an 8 KiB write + fdatasync on this disk takes p50 ${msf(r.machine.fsync.p50)} ms (p99 ${msf(r.machine.fsync.p99)} ms) when idle, so one connection alone could commit ~${int(commitsPerSecMax)} times/s. ` +
      `Group commit made ${int(singleTx)} ingest transactions/s of ${dec(s.load.requests / Math.max(1, s.ingestTransactions), 1)} requests each in the single-event phase and ${dec(b.load.requests / Math.max(1, b.ingestTransactions), 2)} requests each in the batched one. ` +
      `Of the time Postgres spent on ingest statements in the API-only phases, ${pct(walShareS)} (single events) and ${pct(walShareB)} (batches) was waiting on the WAL flush (\`IO:WalSync\` + \`LWLock:WALWrite\`)` +
      (Number.isFinite(notifyShare) && notifyShare >= 1 ? ` and ${pct(notifyShare)} (single events) on \`Lock:object\`, the lock that lets only one NOTIFYing transaction commit at a time` : '') +
      `; iowait stayed at ${pct(Math.max(b.cpu.systemIowait, s.cpu.systemIowait))}. On a disk with a slower fsync (network storage: milliseconds) this share grows and the group-commit writers become the ceiling for single events.`,
  );

  const ll = r.lightLatency;
  const l = r.latency;
  out.push(
    `**Profile latency.** At ${ll.rate} identifies/s the change was applied p50 ${msf(ll.result.dbApplied.p50)} ms after its ingest transaction started (p99 ${msf(ll.result.dbApplied.p99)} ms) and seen by the poller p50 ${msf(ll.result.pollObserved.p50)} ms after the send; ` +
      `at ${l.rate}/s p50 ${msf(l.result.dbApplied.p50)} ms (p99 ${msf(l.result.dbApplied.p99)} ms), seen p50 ${msf(l.result.pollObserved.p50)} ms (p99 ${msf(l.result.pollObserved.p99)} ms). ` +
      (r.probesInstalled.signals && r.probesInstalled.batches
        ? `Temporal signals per apply batch: ${dec(ll.probes.signals / Math.max(1, ll.probes.batches), 2)} at ${ll.rate}/s and ${dec(l.probes.signals / Math.max(1, l.probes.batches), 2)} at ${l.rate}/s ` +
          '(a signal means a Temporal round trip — signal, workflow task, activity task — before the apply starts; without one, a shard drain already running in the worker picked the change up). '
        : '') +
      `The HTTP answer itself took p50 ${msf(l.result.http.p50)} ms, p99 ${msf(l.result.http.p99)} ms at ${l.rate}/s; Homing's event loop was late p50 ${msf(l.cpu.loopDelay?.p50 ?? NaN)} ms / p99 ${msf(l.cpu.loopDelay?.p99 ?? NaN)} ms, the machine ${pct(l.cpu.systemBusy)} busy with ${pct(l.cpu.systemIowait)} iowait ` +
      `(Homing ${pct(l.cpu.groups.homing ?? 0)}, Postgres ${pct(l.cpu.groups.postgres ?? 0)} of which autovacuum ${pct((l.cpu.roles['autovacuum worker']?.cpu ?? 0))}, checkpointer writing ${dec(l.cpu.roles.checkpointer?.writeMBs ?? 0, 1)} MB/s, Temporal ${pct(l.cpu.groups.temporal ?? 0)}, load generator and poller ${pct(l.cpu.groups['load generator'] ?? 0)}).`,
  );

  const drains = [b.drain, s.drain, r.apiOnly.drain].filter((d) => d.drained && d.backlog > 500);
  if (drains.length > 0) {
    const best = drains.reduce((x, y) => (x.backlog / x.ms >= y.backlog / y.ms ? x : y));
    out.push(
      `**Apply throughput.** A backlog builds under ingest load (${int(b.drain.backlog)} identifies after the batched phase, ${int(s.drain.backlog)} after the single-event one) and is applied at ~${int(best.backlog / (best.ms / 1000))} changes/s once ingest stops ` +
        `(during that drain: Homing ${pct(best.cpu.groups.homing ?? 0)} of a core, Postgres ${pct(best.cpu.groups.postgres ?? 0)}, Temporal ${pct(best.cpu.groups.temporal ?? 0)}, machine ${pct(best.cpu.systemBusy)} busy). ` +
        `Each applied change cost ${dec(cpuPerEvent(best.cpu.groups.homing, best.backlog / (best.ms / 1000)), 0)} µs of Homing CPU and ${dec(cpuPerEvent(best.cpu.groups.postgres, best.backlog / (best.ms / 1000)), 0)} µs of Postgres CPU, and the apply transactions were ${pct(waitShare(best.cpu, 'apply', (w) => w.startsWith('idle in transaction')))} of their time idle in transaction, waiting for Homing to send the next query: ` +
        'the apply is bound by round trips — about four small, unprepared statements per identify, each paying the pg client and event loop on Homing\'s side and parse, plan and execute on Postgres\'s — on a machine whose two cores that work nearly fills. ' +
        `A sustained identify rate above that, or heavy ingest beside it, means a growing backlog: profile latency of seconds to minutes, whatever the light-load latency is.`,
    );
  }
  out.push(
    `**The bench itself competes.** The load generator shares the ${cores} cores: ${pct(b.cpu.groups['load generator'] ?? 0)} of a core in the batched phase, ${pct(s.cpu.groups['load generator'] ?? 0)} in the single-event one, ${pct(r.single.bare.cpu.groups['load generator'] ?? 0)} against the bare server — CPU a separate client machine would leave to Homing and Postgres. ` +
      `The machine is shared and noisy (load average ${r.machine.loadavgStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${r.machine.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')} at the end; "other processes" in the CPU table is CPU used by processes outside this bench): figures from one run can move by tens of percent.`,
  );
  return out;
}

/**
 * Whether the single-event goal (a quarter of bare Node's rate, with the worker
 * running) fits this machine at all: the CPU every event costs outside Homing's
 * HTTP handling, measured in this run, against the CPU the goal's rate leaves.
 */
function singleEventBudget(r: BenchReport): string {
  const cores = r.machine.cores;
  const s = r.single.homing;
  const eps = perSecond(s.load).events;
  const g = s.cpu.groups;
  const goal = perSecond(r.single.bare.load).events / 4;
  const budget = (cores * 1e6) / goal;
  const postgres = cpuPerEvent(g.postgres, eps);
  const temporal = cpuPerEvent(g.temporal, eps);
  const loadgen = cpuPerEvent(g['load generator'], eps);
  const bareServer = cpuPerEvent(r.single.bare.cpu.groups['bare server'], perSecond(r.single.bare.load).events);
  const floor = postgres + temporal + loadgen + bareServer;
  const all = cpuPerEvent(g.homing, eps) + postgres + temporal + loadgen;
  return (
    `**The single-event goal on ${cores} cores.** A quarter of the bare server's rate is ${int(goal)} events/s, which leaves ${dec(budget, 0)} µs of CPU per event for everything on this machine. ` +
    `With the worker running, one event cost ${dec(all, 0)} µs in all (Homing ${dec(cpuPerEvent(g.homing, eps), 0)}, Postgres ${dec(postgres, 0)}, Temporal ${dec(temporal, 0)}, the load generator ${dec(loadgen, 0)}): room for ${int((cores * 1e6) / all)} events/s at 100 % of both cores. ` +
    `Even with Homing's own process as cheap as the bare server (${dec(bareServer, 0)} µs), Postgres (its durable commit, the outbox, and applying every ${r.settings.identifyEvery}th event, an identify, to its profile), Temporal and the load generator alone take ${dec(floor, 0)} µs per event: ` +
    (floor > budget
      ? `more than the budget, so the goal cannot be met on this machine without doing less per event in Postgres (or giving up durable commits); what can shrink is Homing's share.`
      : `within the budget, so the goal is a matter of Homing's own cost per request.`)
  );
}
