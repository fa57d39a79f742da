import { sql, type SQL, type AnyColumn } from 'drizzle-orm';

/**
 * Jurisdiction is a materialised region path like "/1/14/203/". A region lies in a scope when its path
 * starts with the scope's path. In SQL this is a range on the indexed path column:
 *   path >= '/1/14/' AND path < '/1/14/~'
 * ('~' sorts after '/' and every digit), which SQLite answers from the index, unlike LIKE.
 */
export function isWithin(scopePath: string, path: string): boolean {
  return path.startsWith(scopePath);
}

export function withinSql(column: AnyColumn | SQL, scopePath: string): SQL {
  return sql`(${column} >= ${scopePath} AND ${column} < ${scopePath + '~'})`;
}

/** Region ids along a path, root first: "/1/14/203/" → [1, 14, 203]. */
export function pathIds(path: string): number[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => Number(s));
}

export const LEVELS = [1, 2, 3, 4, 5] as const;
export type Level = (typeof LEVELS)[number];
