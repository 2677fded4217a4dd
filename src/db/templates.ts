import crypto from 'node:crypto';
import type { Pool } from 'pg';
import { checkTemplate, type Channel, type TemplateContent } from '../messaging/templates';
import { inTransaction } from './pool';

/** A Pool or a PoolClient inside a transaction. */
type Queryable = Pick<Pool, 'query'>;

export interface TemplateSummary {
  id: string;
  name: string;
  channel: Channel;
  published_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface TemplateRow extends TemplateSummary {
  draft: TemplateContent;
}

export interface TemplateView extends TemplateRow {
  /** The content of published_version, or null before the first publish. */
  published: TemplateContent | null;
  versions: Array<{ version: number; published_at: Date }>;
}

/** An immutable published version, as a run pins it. */
export interface TemplateVersion {
  id: string;
  channel: Channel;
  version: number;
  content: TemplateContent;
}

/** Inserts a template with its first draft; undefined when the id is taken. */
export async function createTemplate(
  db: Queryable,
  t: { id?: string; name: string; channel: Channel; content: TemplateContent },
): Promise<TemplateRow | undefined> {
  const id = t.id ?? `tpl_${crypto.randomBytes(8).toString('hex')}`;
  const { rows } = await db.query<TemplateRow>(
    `INSERT INTO templates (id, name, channel, draft) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [id, t.name, t.channel, t.content],
  );
  return rows[0];
}

export async function getTemplate(db: Queryable, id: string): Promise<TemplateView | undefined> {
  const { rows } = await db.query<TemplateRow & { published: TemplateContent | null }>(
    `SELECT t.*, v.content AS published FROM templates t
     LEFT JOIN template_versions v ON v.template_id = t.id AND v.version = t.published_version
     WHERE t.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const versions = await db.query<{ version: number; published_at: Date }>(
    'SELECT version, published_at FROM template_versions WHERE template_id = $1 ORDER BY version',
    [id],
  );
  return { ...row, versions: versions.rows };
}

export async function listTemplates(db: Queryable): Promise<TemplateSummary[]> {
  const { rows } = await db.query<TemplateSummary>('SELECT id, name, channel, published_version, created_at, updated_at FROM templates ORDER BY id');
  return rows;
}

/** Changes the draft's name and/or content (the channel never changes); undefined for an unknown id. */
export async function updateTemplateDraft(
  db: Queryable,
  id: string,
  patch: { name?: string; content?: TemplateContent },
): Promise<TemplateRow | undefined> {
  const { rows } = await db.query<TemplateRow>(
    `UPDATE templates SET name = COALESCE($2, name), draft = COALESCE($3, draft), updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, patch.name ?? null, patch.content ?? null],
  );
  return rows[0];
}

/**
 * Copies the draft into a new immutable version and makes it the published one. A draft
 * equal to the latest version is not copied again: that version is returned. Throws a
 * TemplateError if the draft does not parse; undefined for an unknown id.
 */
export async function publishTemplate(pool: Pool, id: string): Promise<number | undefined> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ channel: Channel; draft: TemplateContent; latest: number | null; unchanged: boolean }>(
      `SELECT t.channel, t.draft, v.version AS latest, COALESCE(v.content = t.draft, false) AS unchanged
       FROM templates t
       LEFT JOIN LATERAL (SELECT version, content FROM template_versions WHERE template_id = t.id ORDER BY version DESC LIMIT 1) v ON true
       WHERE t.id = $1 FOR UPDATE OF t`,
      [id],
    );
    const t = rows[0];
    if (!t) return undefined;
    if (t.unchanged && t.latest !== null) return t.latest;
    checkTemplate(t.channel, t.draft);
    const version = (t.latest ?? 0) + 1;
    await client.query('INSERT INTO template_versions (template_id, version, content) VALUES ($1, $2, $3)', [id, version, t.draft]);
    await client.query('UPDATE templates SET published_version = $2, updated_at = now() WHERE id = $1', [id, version]);
    return version;
  });
}

const versionQuery = (where: string) =>
  `SELECT t.id, t.channel, v.version, v.content FROM templates t
   JOIN template_versions v ON v.template_id = t.id WHERE t.id = $1 AND ${where}`;

export async function getTemplateVersion(db: Queryable, id: string, version: number): Promise<TemplateVersion | undefined> {
  const { rows } = await db.query<TemplateVersion>(versionQuery('v.version = $2'), [id, version]);
  return rows[0];
}

/** The latest published version; undefined when the template is unknown or was never published. */
export async function getPublishedTemplate(db: Queryable, id: string): Promise<TemplateVersion | undefined> {
  const { rows } = await db.query<TemplateVersion>(versionQuery('v.version = t.published_version'), [id]);
  return rows[0];
}
