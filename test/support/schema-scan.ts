import { DataSource } from 'typeorm';

/** Every table of `schema`, found in the catalog (a table added later is scanned too). */
export async function schemaTables(db: DataSource, schema: string): Promise<string[]> {
  const rows: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

/** Rows per table of `schema` holding `needle` anywhere in any column (any case); tables without any are left out. */
export async function rowsHolding(db: DataSource, schema: string, needle: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const table of await schemaTables(db, schema)) {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}" t WHERE row_to_json(t)::text ILIKE '%' || $1 || '%'`, [needle]);
    if (n > 0) found[table] = n;
  }
  return found;
}

/** Row counts of every table of `schema`: what "nothing changed" is checked against. */
export async function tableCounts(db: DataSource, schema: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await schemaTables(db, schema)) counts[table] = (await db.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`))[0].n;
  return counts;
}
