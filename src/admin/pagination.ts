import { HttpStatus } from '@nestjs/common';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { httpError } from '../http';

export const MAX_PAGE_SIZE = 100;

/** `limit` and `cursor` of every list endpoint. */
export const pageQuery = {
  limit: z.coerce.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(MAX_PAGE_SIZE, `limit must be at most ${MAX_PAGE_SIZE}`).default(20),
  cursor: z.string().max(200, 'cursor is not one this API returned').optional(),
};

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * A position in a newest-first list: the last row's `created_at` in whole microseconds (Postgres'
 * precision: a millisecond Date would skip or repeat rows created within the same millisecond) and
 * its id (ties). Opaque to clients: base64url of JSON.
 */
const cursorShape = z.tuple([z.string().regex(/^\d{1,18}$/), z.uuid()]);

function decodeCursor(cursor: string): [string, string] {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw httpError(HttpStatus.BAD_REQUEST, 'invalid_cursor', 'cursor is not one this API returned; start again without it');
  }
}

const encodeCursor = (micros: string, id: string) => Buffer.from(JSON.stringify([micros, id])).toString('base64url');

/**
 * One page of a query over a table with `created_at` and `id`, newest first (keyset pagination:
 * stable while rows are added, no OFFSET scans). The query must select one entity without joins,
 * so raw rows and entities line up.
 */
export async function pageOf<T extends ObjectLiteral & { id: string }>(qb: SelectQueryBuilder<T>, page: { limit: number; cursor?: string }): Promise<Page<T>> {
  const a = qb.alias;
  if (page.cursor) {
    const [micros, id] = decodeCursor(page.cursor);
    qb.andWhere(`(${a}.created_at, ${a}.id) < (timestamptz 'epoch' + CAST(:cursorMicros AS bigint) * interval '1 microsecond', CAST(:cursorId AS uuid))`, { cursorMicros: micros, cursorId: id });
  }
  const { entities, raw } = await qb
    .addSelect(`(extract(epoch from ${a}.created_at) * 1000000)::bigint`, 'page_cursor_micros')
    .orderBy(`${a}.created_at`, 'DESC')
    .addOrderBy(`${a}.id`, 'DESC')
    .limit(page.limit + 1)
    .getRawAndEntities();
  const items = entities.slice(0, page.limit);
  const last = raw[page.limit - 1] as Record<string, string> | undefined;
  const more = entities.length > page.limit && last !== undefined;
  return { items, nextCursor: more ? encodeCursor(last.page_cursor_micros, items[page.limit - 1].id) : null };
}
