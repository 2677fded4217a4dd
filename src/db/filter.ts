/**
 * A WHERE clause from optional conditions, numbering the parameters; `?` in a
 * condition stands for its value, and conditions whose value is unset are left out.
 */
export function whereClause(conditions: Array<[sql: string, value: unknown]>): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const [sql, value] of conditions) {
    if (value === undefined || value === null || value === '') continue;
    params.push(value);
    parts.push(sql.replaceAll('?', `$${params.length}`));
  }
  return { where: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}
