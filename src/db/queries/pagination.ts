import { desc, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { uuid } from '../../domain/text';

/** Opaque cursor over (createdAt, id), newest first. */
export type Cursor = { createdAt: string; id: string };

const cursorSchema = z.strictObject({ createdAt: z.iso.datetime(), id: uuid });

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ createdAt: row.createdAt.toISOString(), id: row.id })).toString('base64url');
}

export function decodeCursor(text: string): Cursor | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Rows after the cursor in newest-first order. Written as one row comparison so that Postgres uses
 * it as an index condition on a (…, created_at DESC, id DESC) index: every page costs the same,
 * however deep (an OR of the two columns would be a filter, scanning every row before the cursor).
 */
export function afterCursor(cursor: Cursor | undefined, createdAt: PgColumn, id: PgColumn): SQL | undefined {
  if (!cursor) return undefined;
  return sql`(${createdAt}, ${id}) < (${cursor.createdAt}, ${cursor.id})`;
}

/** `afterCursor` for a prepared read: the cursor's values go in as `afterCreatedAt` and `afterId`. */
export const afterCursorPlaceholders = (createdAt: PgColumn, id: PgColumn): SQL =>
  sql`(${createdAt}, ${id}) < (${sql.placeholder('afterCreatedAt')}, ${sql.placeholder('afterId')})`;

/** The placeholder values of a cursor (none without one). */
export const cursorValues = (cursor: Cursor | undefined) =>
  cursor ? { afterCreatedAt: cursor.createdAt, afterId: cursor.id } : {};

export const newestFirst = (createdAt: PgColumn, id: PgColumn) => [desc(createdAt), desc(id)];

/** Fetches limit + 1 rows, returns limit and the cursor of the last one when more exist. */
export function page<T extends { createdAt: Date; id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
