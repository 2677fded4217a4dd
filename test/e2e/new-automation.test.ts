import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `homing new automation`: the starter and its test, as a new engineer gets them, load and pass. */
const root = path.join(__dirname, '..', '..');
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-new-'));
const homing = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'dist', 'src', 'cli.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOMING_AUTOMATIONS: '' } });

afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

it('writes a starter automation and its test, and never overwrites them', () => {
  const res = homing('new', 'automation', 'trial-nudge');
  expect(res.status).toBe(0);
  expect(res.stdout).toContain(`wrote ${path.join('automations', 'trial-nudge.ts')}\nwrote ${path.join('automations', 'trial-nudge.test.ts')}\n`);
  expect(res.stdout).toContain('add HOMING_AUTOMATIONS=automations to .env');
  const again = homing('new', 'automation', 'trial-nudge');
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/trial-nudge\.ts and .*trial-nudge\.test\.ts already exist; nothing written/);
  expect(homing('new', 'automation', 'Trial Nudge').stderr).toBe('homing new: "Trial Nudge" is not an automation name: lower-case words joined by "-", like "trial-nudge"\n');
  expect(homing('new', 'thing').status).toBe(2);
});

it("the starter's own test passes on the time-skipping server, run as the user runs it", () => {
  // The user's jest, with homing/* resolved to this checkout (as node_modules/homing would be).
  const config = {
    rootDir: cwd,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': [require.resolve('@swc/jest'), { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
    moduleNameMapper: { '^homing/(automation|testing)$': path.join(root, 'src', 'sdk', '$1.ts') },
  };
  const res = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), path.join(cwd, 'automations', 'trial-nudge.test.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(res.stderr).toContain('Tests:       3 passed, 3 total');
  expect(res.status).toBe(0);
}, 180_000);
