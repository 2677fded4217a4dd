import { ApiError } from '../../api/client';

export interface FieldProblem {
  message: string;
  /** Where Liquid found it in the field's source, when it says. */
  line?: number;
  column?: number;
}

/** Liquid's "…, line:2, col:3" as a position, and the message without it and without the API's "template field" prefix. */
export function liquidProblem(message: string): FieldProblem {
  const text = message.replace(/^template field "[^"]*": /, '');
  const at = /,? line:(\d+), col:(\d+)\s*$/.exec(text);
  if (!at) return { message: text };
  return { message: text.slice(0, at.index), line: Number(at[1]), column: Number(at[2]) };
}

/** How a problem reads under its field. */
export function describeProblem(p: FieldProblem): string {
  return p.line === undefined ? p.message : `Line ${p.line}, column ${p.column}: ${p.message}`;
}

/**
 * Where the API's refusal belongs: a template error names its field
 * (`details.field`), a schema error its path ("content.subject", "name");
 * a taken id is the id's. Keys are content field names, "name", "id" or
 * "content" (the content as a whole, e.g. an email with neither body).
 */
export function fieldProblems(err: unknown): Record<string, FieldProblem> {
  if (!(err instanceof ApiError)) return {};
  const details = err.details;
  if (details && typeof details === 'object' && 'field' in details && typeof details.field === 'string') return { [details.field]: liquidProblem(err.message) };
  const found: Record<string, FieldProblem> = {};
  if (Array.isArray(details)) {
    for (const issue of details as Array<{ path?: unknown; message?: unknown }>) {
      if (typeof issue.path !== 'string' || typeof issue.message !== 'string') continue;
      const key = issue.path.startsWith('content.') ? issue.path.slice('content.'.length).split('.')[0]! : issue.path.split('.')[0] || 'content';
      found[key] ??= { message: issue.message };
    }
  }
  if (err.status === 409) found.id ??= { message: err.message };
  return found;
}

/** fieldProblems as the text each field shows. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(fieldProblems(err)).map(([k, p]) => [k, describeProblem(p)]));
}
