import { ApiError } from '../../api/client';

/**
 * Where the API's refusal of a mapping belongs on the form: zod issues carry a
 * path ("params.wait", or ["wait"] inside params); the template and topic
 * checks name the parameter first ("emailTemplate: template … is an sms
 * template"). Keys are form fields: "name", "trigger", "params.<name>", ….
 */
export function fieldErrors(err: unknown, params: readonly string[]): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const found: Record<string, string> = {};
  const issues = Array.isArray(err.details) ? (err.details as Array<{ path?: unknown; message?: unknown }>) : [];
  for (const issue of issues) {
    const path = Array.isArray(issue.path) ? issue.path.join('.') : typeof issue.path === 'string' ? issue.path : '';
    const key = params.includes(path.split('.')[0]!) && !path.startsWith('params.') ? `params.${path}` : path;
    if (key && typeof issue.message === 'string') found[key.split('.').slice(0, key.startsWith('params.') ? 2 : 1).join('.')] ??= /received undefined$/.test(issue.message) ? 'required' : issue.message;
  }
  const named = /^(\w+): (.*)$/.exec(err.message);
  if (named && params.includes(named[1]!)) found[`params.${named[1]}`] ??= named[2]!;
  if (/^(unknown )?topic\b/.test(err.message)) found.topic ??= err.message;
  return found;
}
