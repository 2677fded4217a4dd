import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/api';

/**
 * The management API, typed from the OpenAPI document the server publishes
 * (studio/generated/, written at build), so the Studio cannot drift from it.
 * The session is an HttpOnly cookie the browser sends by itself; the CSRF
 * token lives in this module's memory only (a reload gets it back from
 * GET /api/session), never in storage or a URL.
 */
let csrfToken: string | undefined;
const signedOutListeners = new Set<() => void>();

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API answers 401: the session ended (expired, signed out elsewhere). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

const STATE_CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && STATE_CHANGES.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    const isSessionCall = new URL(request.url).pathname === '/api/session';
    if (response.status === 401 && !isSessionCall) signedOutListeners.forEach((l) => l());
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

export type LoggedEvent = paths['/api/events']['get']['responses'][200]['content']['application/json']['events'][number];
export type Automation = paths['/api/automations']['get']['responses'][200]['content']['application/json']['automations'][number];
export type TemplateSummary = paths['/api/templates']['get']['responses'][200]['content']['application/json']['templates'][number];
export type Topic = paths['/api/topics']['get']['responses'][200]['content']['application/json']['topics'][number];
export type NewMapping = paths['/api/mappings']['post']['requestBody']['content']['application/json'];

/** The message of an API error body (`{"error": "..."}`), else a generic one. */
export function errorMessage(error: unknown, fallback = 'the request failed'): string {
  if (error && typeof error === 'object' && 'error' in error && typeof error.error === 'string') return error.error;
  return fallback;
}

/** Unwraps an openapi-fetch result: the data, or an Error carrying the API's message and details. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined) return result.data;
  throw new ApiError(result.response.status, errorMessage(result.error, `${result.response.status} ${result.response.statusText}`), (result.error as { details?: unknown } | undefined)?.details);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
