import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { automations, checkDefinition, paramsSchema } from '../../src/automations/catalog';
import { automationFiles, loadAutomations, setUpAutomations } from '../../src/automations/user-automations';
import { loadConfig } from '../../src/config';
import { runDoctor } from '../../src/doctor';

/** Automation files written as users write them (importing homing/automation), in a folder of their own. */
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-automations-'));
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  return dir;
}

const definition = (fields: string) => `
import { defineAutomation, z } from 'homing/automation';
export const a = defineAutomation({
  id: 'mine', description: 'mine', params: z.object({}), templates: { note: 'email' },
  async run() { return { outcome: 'done' }; },
  ${fields}
});`;

const loadError = (dir: string) => {
  try {
    loadAutomations(automationFiles(dir));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('loaded without an error');
};

it('the built-in automations pass the checks user automations get', () => {
  for (const a of automations()) expect(() => checkDefinition(a)).not.toThrow();
});

it('a template slot adds a required template id parameter beside the definition own ones', () => {
  const emailThenSms = automations().find((a) => a.id === 'email-then-sms')!;
  expect(paramsSchema(emailThenSms).parse({ emailTemplate: 'w', smsTemplate: 'n' })).toEqual({ emailTemplate: 'w', smsTemplate: 'n', wait: '24h', smsWait: '24h', contactWait: '5m' });
  expect(paramsSchema(emailThenSms).safeParse({ emailTemplate: 'w' }).success).toBe(false);
});

it('loads TypeScript and JavaScript definitions, with their relative imports, skipping tests and declarations', () => {
  const dir = folder({
    'shared.ts': `export const description: string = 'shared description';`,
    'one.ts': definition('').replace("description: 'mine'", 'description').replace("import {", "import { description } from './shared';\nimport {"),
    'two.js': `const { defineAutomation, z } = require('homing/automation');
exports.b = defineAutomation({ id: 'theirs', description: 'js', params: z.object({}), templates: {}, async run() { return { outcome: 'done' }; } });`,
    'one.test.ts': 'this is not even code',
    'types.d.ts': 'declare const x: number;',
  });
  const loaded = loadAutomations(automationFiles(dir));
  expect(loaded.map((l) => [path.basename(l.file), l.automation.id, l.automation.description])).toEqual([
    ['one.ts', 'mine', 'shared description'],
    ['two.js', 'theirs', 'js'],
  ]);
});

it.each([
  ['an unknown channel', definition("templates: { note: 'fax' },"), 'automation "mine": template slot "note": unknown channel "fax"; channels: email, sms, slack, whatsapp'],
  ['params that are not an object schema', definition("params: z.string(),"), 'automation "mine": params must be a z.object(...) (import { z } from "homing/automation")'],
  ['a template slot that is a parameter too', definition("params: z.object({ note: z.string() }),"), 'automation "mine": template slot "note" is also a parameter; the slot adds its template id parameter itself'],
  ['a reserved id', definition("id: 'profileShard',"), `automation "profileShard": the id "profileShard" is reserved (a workflow of Homing's own has that name)`],
  ['an id that is not a name', definition("id: 'has space',"), 'automation "has space": id must be 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit'],
  ['no run function', definition('run: 42,'), 'automation "mine": run must be an async function (ctx, params) => outcome'],
  ['an unknown category', definition("category: 'promo' as 'marketing',"), 'automation "mine": category must be "marketing" or "transactional"'],
  ['a topic on transactional messages', definition("category: 'transactional', topic: 'news',"), 'automation "mine": a topic is for marketing messages; leave out category or make it "marketing"'],
  ['params that JSON Schema cannot describe', definition('params: z.object({ when: z.date() }),'), 'automation "mine": params cannot be described as JSON Schema for the API'],
])('stops with one line naming the file and the problem: %s', (_, source, message) => {
  const dir = folder({ 'bad.ts': source });
  const error = loadError(dir);
  expect(error.startsWith(`${path.join(dir, 'bad.ts')}: ${message}`)).toBe(true);
  expect(error).not.toContain('\n');
});

it('a file that does not compile or throws names the file and where', () => {
  const broken = folder({ 'broken.ts': 'export const = ;' });
  expect(loadError(broken)).toMatch(new RegExp(`^${path.join(broken, 'broken.ts')}: does not load: .*broken.ts:1:13: Expected identifier but found "="$`));
  const throwing = folder({ 'throws.ts': "throw new Error('no config');" });
  expect(loadError(throwing)).toBe(`${path.join(throwing, 'throws.ts')}: does not load: no config`);
});

it('an id taken by a built-in or by another file stops start-up', () => {
  const clash = folder({ 'a.ts': definition("id: 'email-then-sms',") });
  expect(() => setUpAutomations(clash)).toThrow(`${path.join(clash, 'a.ts')}: the id "email-then-sms" is already taken by a built-in automation`);
  const twice = folder({ 'a.ts': definition(''), 'b.ts': definition('') });
  expect(() => setUpAutomations(twice)).toThrow(`${path.join(twice, 'b.ts')}: the id "mine" is already taken by ${path.join(twice, 'a.ts')}`);
});

it('HOMING_AUTOMATIONS must name a module or a folder of them that exports an automation', () => {
  expect(() => setUpAutomations('/no/such/place')).toThrow('HOMING_AUTOMATIONS=/no/such/place: no such file or directory');
  const empty = folder({ 'README.md': '# nothing' });
  expect(() => setUpAutomations(empty)).toThrow(`HOMING_AUTOMATIONS=${empty}: the directory has no .ts or .js module`);
  const none = folder({ 'helpers.ts': 'export const x = 1;' });
  expect(() => setUpAutomations(none)).toThrow(`HOMING_AUTOMATIONS=${none}: no automation is exported (export the result of defineAutomation)`);
});

it('homing worker with a bad definition exits 1 with that one line, before connecting to anything', () => {
  const clash = folder({ 'a.ts': definition("id: 'single-send',") });
  const res = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'dist', 'src', 'cli.js'), 'worker'], {
    env: { ...process.env, HOMING_AUTOMATIONS: clash, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', HOMING_DATA_DIR: folder({}) },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(1);
  expect(res.stderr).toBe(`homing: ${path.join(clash, 'a.ts')}: the id "single-send" is already taken by a built-in automation\n`);
});

it('homing doctor lists the automations, and names a definition that would stop start-up', async () => {
  const lines = async (automationsDir: string) => {
    const out: string[] = [];
    const config = loadConfig({ HOMING_DATA_DIR: folder({}), HOMING_API_KEY: 'k', HOMING_ADMIN_TOKEN: 't', TRACKING_SECRET: 's', HOMING_AUTOMATIONS: automationsDir });
    const ok = await runDoctor(config, (line) => out.push(line));
    return { ok, line: out.find((l) => /^\S+\s+automations /.test(l)) };
  };
  const good = folder({ 'mine.ts': definition('') });
  expect(await lines(good)).toEqual({ ok: true, line: `ok    automations email-then-sms, single-send, mine (HOMING_AUTOMATIONS: 1 file in ${good})` });
  const bad = folder({ 'bad.ts': definition("templates: { note: 'fax' },") });
  expect(await lines(bad)).toEqual({ ok: false, line: expect.stringMatching(/^FAIL  automations .*bad\.ts: automation "mine": template slot "note": unknown channel "fax"/) });
});
