import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { buildSync } from 'esbuild';
import * as sdk from '../sdk/automation';
import { isAutomation } from '../sdk/automation';
import { checkDefinition, DefinitionError, installAutomations, type Automation } from './catalog';

/** The name user code imports Homing's SDK by, and the file of this install that answers it in the workflow bundle. */
export const SDK_MODULE = { name: 'homing/automation', file: path.resolve(__dirname, '../sdk/automation') };

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const NOT_A_DEFINITION = /\.(test|spec)\.[cm]?[jt]s$|\.d\.[cm]?ts$/;

/** The module HOMING_AUTOMATIONS names, or the source files directly in its directory (tests and declarations left out). */
export function automationFiles(spec: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    throw new DefinitionError(`HOMING_AUTOMATIONS=${spec}: no such file or directory`);
  }
  if (stat.isFile()) return [spec];
  const files = fs
    .readdirSync(spec)
    .filter((f) => SOURCE.test(f) && !NOT_A_DEFINITION.test(f))
    .sort()
    .map((f) => path.join(spec, f));
  if (files.length === 0) throw new DefinitionError(`HOMING_AUTOMATIONS=${spec}: the directory has no .ts or .js module`);
  return files;
}

/**
 * Loads a file (TypeScript or JavaScript, with what it imports from its own
 * folder) the way the worker's bundler sees it: esbuild bundles it, packages
 * stay outside and come from the file's own node_modules, and
 * `homing/automation` is this process's copy wherever the file lives.
 */
function loadModule(file: string): Record<string, unknown> {
  let code: string;
  try {
    code = buildSync({ entryPoints: [file], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'silent' }).outputFiles[0]!.text;
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    throw first ? new Error(`${first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : ''}${first.text}`) : err;
  }
  const fromFile = Module.createRequire(file);
  const load = (id: string) => (id === SDK_MODULE.name ? sdk : fromFile(id));
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', '__filename', '__dirname', code)(mod, mod.exports, load, file, path.dirname(file));
  return mod.exports;
}

/** Every automation the files export, each checked; a DefinitionError names the file and the problem in one line. */
export function loadAutomations(files: readonly string[]): Array<{ file: string; automation: Automation }> {
  const found: Array<{ file: string; automation: Automation }> = [];
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      mod = loadModule(file);
    } catch (err) {
      throw new DefinitionError(`${file}: does not load: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
    }
    // A Set: one definition exported under two names is still one.
    for (const automation of new Set(Object.values(mod).filter(isAutomation))) {
      try {
        checkDefinition(automation);
      } catch (err) {
        throw new DefinitionError(`${file}: ${(err as Error).message}`);
      }
      found.push({ file, automation });
    }
  }
  return found;
}

const setUp = new Map<string, readonly string[]>();

/**
 * Adds HOMING_AUTOMATIONS to this process's catalog (once per process) and
 * returns its files, which the worker bundles beside the built-in workflows.
 */
export function setUpAutomations(spec: string | undefined): readonly string[] {
  if (spec === undefined) return [];
  let files = setUp.get(spec);
  if (!files) {
    files = automationFiles(spec);
    const found = loadAutomations(files);
    if (found.length === 0) throw new DefinitionError(`HOMING_AUTOMATIONS=${spec}: no automation is exported (export the result of defineAutomation)`);
    installAutomations(found);
    setUp.set(spec, files);
  }
  return files;
}
