/**
 * The bench's probes inside a Homing process it did not start in-process
 * (`homing start`, `api`, `worker` as children): preloaded with
 * `NODE_OPTIONS=--require`, it installs the same counters as the in-process
 * bench and writes them, with the worker's cache state, to
 * `$HOMING_DATA_DIR/bench-probe.json` twice a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { installProbes, readProbes } from './probes';
import { installWorkerProbe, readCounters, workerState } from './worker-probe';

export const PROBE_FILE = 'bench-probe.json';

const dataDir = process.env.HOMING_DATA_DIR;
// Workflow threads inherit the preload: only the main thread counts and writes.
if (isMainThread && dataDir) {
  installProbes();
  installWorkerProbe();
  const file = path.join(dataDir, PROBE_FILE);
  const write = () => {
    try {
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ probes: readProbes(), counters: readCounters(), worker: workerState() }));
      fs.renameSync(tmp, file);
    } catch {
      // the data dir is gone: the process is being torn down
    }
  };
  setInterval(write, 500).unref();
  process.on('exit', write);
}
