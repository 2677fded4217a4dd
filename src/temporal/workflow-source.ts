import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BundleOptions } from '@temporalio/worker';
import { SDK_MODULE } from '../automations/user-automations';

/** The workflow bundle's entry point, from src/ or dist/src/ alike. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../../workflows');

/** The node_modules folder that holds this install's @temporalio/workflow. */
const TEMPORAL_MODULES = path.resolve(path.dirname(require.resolve('@temporalio/workflow/package.json')), '..', '..');

/**
 * Modules evaluated once per workflow thread and shared by every run, rather
 * than once per run as Temporal evaluates a workflow's modules: zod, the SDK
 * and the built-in definitions (a definition holds zod schemas). None keeps
 * state of a run. Evaluated per run, they cost each cached run ~0.9 MiB and
 * each evicted run's resume their CPU.
 */
const SHARED_MODULES = ['zod', SDK_MODULE.file, path.join(WORKFLOWS_PATH, 'automations')];

export interface WorkflowSource {
  workflowsPath: string;
  bundlerOptions: Pick<BundleOptions, 'webpackConfigHook' | 'preloadModules'>;
  /** Removes the generated entry once bundled. */
  done(): void;
}

/**
 * What the worker (and replay) bundles: Homing's workflows, and with user
 * automation files a generated entry that also registers theirs, with
 * `homing/automation` resolved to this install's copy (one SDK and one zod
 * for built-in and user definitions alike).
 */
export function workflowSource(automationFiles: readonly string[]): WorkflowSource {
  if (automationFiles.length === 0) return { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: SHARED_MODULES }, done: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-workflows-'));
  const entry = path.join(dir, 'index.js');
  const from = (file: string) => JSON.stringify(file);
  fs.writeFileSync(
    entry,
    [
      `export * from ${from(WORKFLOWS_PATH)};`,
      `export { default } from ${from(WORKFLOWS_PATH)};`,
      `import { registerAutomations } from ${from(path.join(WORKFLOWS_PATH, 'automation-run'))};`,
      ...automationFiles.map((file, i) => `import * as user${i} from ${from(file)};`),
      `registerAutomations([${automationFiles.map((_, i) => `user${i}`).join(', ')}]);`,
    ].join('\n'),
  );
  return {
    workflowsPath: entry,
    bundlerOptions: {
      preloadModules: SHARED_MODULES,
      webpackConfigHook: (config) => ({
        ...config,
        resolve: {
          ...config.resolve,
          alias: { ...(config.resolve?.alias as object), [`${SDK_MODULE.name}$`]: SDK_MODULE.file },
          // The SDK's generated entry sits beside ours, in a temporary folder: it finds @temporalio/workflow where Homing does.
          modules: [...(config.resolve?.modules ?? ['node_modules']), TEMPORAL_MODULES],
        },
      }),
    },
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
