/** The machine the bench runs on: its scratch directory, its disk, and the bench's console. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize } from './stats';

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // The postgres system user (Postgres refuses to run as root) must be able to enter it.
  fs.chmodSync(dir, 0o755);
  return dir;
}

export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
export const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** fdatasync latency of the disk the data dir is on: what one durable commit costs at least. */
export function fsyncProbe(dir: string, rounds = 200) {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(8192, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      fs.fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return summarize(times);
}

