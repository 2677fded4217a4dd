import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { lockDataDir, secureDataDir } from '../../src/embedded/data-dir';
import { tempDir } from '../helpers/servers';

/** The lock file of `homing start`: a live holder refuses a second start; a stale one (even a reused pid) does not. */
const dir = tempDir('homing-lock-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a lock whose pid now belongs to another node process is stale and taken over', async () => {
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  await once(other, 'spawn');
  try {
    fs.writeFileSync(path.join(dir, 'homing.lock'), `${other.pid}\n`);
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'homing.lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'homing.lock'))).toBe(false);
  } finally {
    other.kill();
  }
});

it('a lock held by a live homing start refuses, naming the pid and the file to remove if it is wrong', async () => {
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '--', 'dist/src/cli.js', 'start'], { stdio: 'ignore' });
  await once(holder, 'spawn');
  try {
    fs.writeFileSync(path.join(dir, 'homing.lock'), `${holder.pid}\n`);
    expect(() => lockDataDir(dir)).toThrow(`another "homing start" (pid ${holder.pid}) is running on ${dir} (if it is not, remove ${path.join(dir, 'homing.lock')})`);
  } finally {
    holder.kill();
    fs.rmSync(path.join(dir, 'homing.lock'), { force: true });
  }
});

it('tightens a data dir of its own, but not a directory shared with other files', () => {
  const own = path.join(dir, 'own');
  fs.mkdirSync(own, { mode: 0o755 });
  fs.writeFileSync(path.join(own, 'secrets.json'), '{}', { mode: 0o644 });
  secureDataDir(own);
  expect(fs.statSync(own).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
  expect(fs.statSync(path.join(own, 'secrets.json')).mode & 0o777).toBe(0o600);

  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared, { mode: 0o755 });
  fs.chmodSync(shared, 0o755);
  fs.writeFileSync(path.join(shared, 'someone-elses.txt'), 'x');
  secureDataDir(shared);
  expect(fs.statSync(shared).mode & 0o777).toBe(0o755);
});
