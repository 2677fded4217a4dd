// The workflow bundle's entry: every workflow the worker runs is exported here.
import * as builtIn from './automations';
import { registerAutomations, runDefinition } from './automation-run';
import type { RunInput } from './types';

export { profileShard } from './profile-shard';
export { outcomeExport } from './outcome-export';
// Runs of defined automations: their workflow type is the automation's id.
export { automationRun as default } from './automation-run';

registerAutomations([builtIn]);

// Runs started before automations were definitions have these workflow types.
export const emailThenSms = (input: RunInput<Record<string, unknown>>) => runDefinition(builtIn.emailThenSms, input);
export const singleSend = (input: RunInput<Record<string, unknown>>) => runDefinition(builtIn.singleSend, input);
