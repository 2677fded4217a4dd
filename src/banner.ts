import type { Config } from './config';

export interface RunningUrls {
  /** Where this process listens (what the management API and local tools use). */
  apiUrl: string;
  temporalUiUrl?: string;
  databaseUrl: string;
}

/**
 * What `homing start` prints once everything is up. Segment and message
 * recipients reach Homing at PUBLIC_URL, which may differ from where it
 * listens (behind a proxy or tunnel): the lines meant for Segment show that.
 */
export function banner(config: Config, urls: RunningUrls): string {
  const { apiUrl } = urls;
  const publicUrl = config.publicUrl;
  const lines = [
    '',
    'Homing is running.',
    ...(publicUrl !== apiUrl ? [`  Listening on  ${apiUrl}  (public URL: ${publicUrl})`] : []),
    `  Segment destination endpoint  ${publicUrl}/segment`,
    `  Tracking API host (Segment libraries' "host")  ${publicUrl}`,
    `  API key (Segment "API Key" / write key)  ${config.apiKeys[0]}`,
    `  Admin token (Bearer, management API)  ${config.adminToken}`,
    `  Studio  ${apiUrl}/studio  (sign in with the admin token)`,
    `  Management API  ${apiUrl}/api  (OpenAPI: ${apiUrl}/openapi.json)`,
    `  Temporal UI  ${urls.temporalUiUrl ?? `(external Temporal at ${config.temporal.address})`}`,
    `  Postgres  ${urls.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    `  Data dir  ${config.dataDir}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}
