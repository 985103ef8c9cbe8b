import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { derivedPersonaKey } from '../../simulator';

/** Rows removed per table, and rows whose derived text was cut out (kept otherwise). */
export interface ErasedRows {
  deleted: Record<string, number>;
  scrubbed: Record<string, number>;
}

/** A single-column foreign key: `table.column` references `references` of the table it points at. */
interface ForeignKey {
  table: string;
  column: string;
  references: string;
}

/** Bounds the walk down foreign keys (sessions → turns → turn scores is 3 deep); only a schema loop could reach it. */
const MAX_DEPTH = 8;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The writes of an erasure, inside the caller's transaction. Rows are found by foreign key rather
 * than by a list of tables: every row that references an erased session (turns, conversions,
 * turn scores through turns, and whatever table is added later) is deleted whatever its ON DELETE
 * rule, and counted. What is derived from a session without a foreign key is named here: the
 * persona imported from it and its entry in the training data record of each run.
 */
@Injectable()
export class ErasureRepository {
  async erase(tx: EntityManager, sessionIds: string[]): Promise<ErasedRows> {
    const deleted: Record<string, number> = {};
    await this.deleteWithDependents(tx, 'chat_sessions', 'id', sessionIds, deleted, []);

    // Imported personas carry the visitor's first message as their opening; an admin's edit of one is still derived from it.
    const [, personas] = await tx.query(`DELETE FROM personas WHERE key = ANY($1)`, [sessionIds.map(derivedPersonaKey)]);
    deleted.personas = personas;

    return { deleted, scrubbed: { training_runs: await this.scrubTrainingData(tx, sessionIds.map(derivedPersonaKey)) } };
  }

  /** Deletes the rows of `table` whose `column` is one of `values`, after every row that references them (depth first, so each is counted). */
  private async deleteWithDependents(tx: EntityManager, table: string, column: string, values: unknown[], deleted: Record<string, number>, path: string[]): Promise<void> {
    if (path.length > MAX_DEPTH) throw new Error(`erasure: foreign keys nest deeper than ${MAX_DEPTH} tables (${[...path, table].join(' → ')})`);
    for (const fk of await this.referencing(tx, table)) {
      // A table referencing itself loses those rows in the same DELETE below.
      if (fk.table === table || path.includes(fk.table)) continue;
      const keys = (await tx.query(`SELECT DISTINCT ${ident(fk.references)} AS key FROM ${ident(table)} WHERE ${ident(column)} = ANY($1)`, [values])).map((r: { key: unknown }) => r.key);
      await this.deleteWithDependents(tx, fk.table, fk.column, keys, deleted, [...path, table]);
    }
    const [, count] = await tx.query(`DELETE FROM ${ident(table)} WHERE ${ident(column)} = ANY($1)`, [values]);
    deleted[table] = (deleted[table] ?? 0) + count;
  }

  /** The single-column foreign keys of Closer's schema that point at `table`. */
  private referencing(tx: EntityManager, table: string): Promise<ForeignKey[]> {
    return tx.query(
      `SELECT child.relname AS "table", ca.attname AS "column", pa.attname AS "references"
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = parent.relnamespace
         JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
         JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND parent.relname = $1 AND n.nspname = current_schema()
        ORDER BY child.relname, ca.attname`,
      [table],
    );
  }

  /**
   * Cuts the derived personas of the erased sessions (id and opening: the visitor's first message)
   * out of each run's training data record, counting them in `erasedDerived` so the record still
   * adds up. Returns how many runs changed.
   */
  private async scrubTrainingData(tx: EntityManager, personaKeys: string[]): Promise<number> {
    const [, runs] = await tx.query(
      `UPDATE training_runs r
          SET data = r.data || jsonb_build_object('derived', kept.entries, 'erasedDerived', COALESCE((r.data->>'erasedDerived')::int, 0) + kept.erased)
         FROM (SELECT t.id,
                      COALESCE(jsonb_agg(e.d ORDER BY e.n) FILTER (WHERE NOT (e.d->>'id' = ANY($1))), '[]'::jsonb) AS entries,
                      count(*) FILTER (WHERE e.d->>'id' = ANY($1))::int AS erased
                 FROM training_runs t
                 CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(t.data->'derived') = 'array' THEN t.data->'derived' ELSE '[]'::jsonb END)
                      WITH ORDINALITY AS e(d, n)
                GROUP BY t.id) kept
        WHERE kept.id = r.id AND kept.erased > 0`,
      [personaKeys],
    );
    return runs;
  }
}
