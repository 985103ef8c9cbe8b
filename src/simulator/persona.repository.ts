import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { derivePersonas, LoggedSessionSummary } from './derived-personas';
import { findPersona, parsePersonas, Persona } from './persona';

/** The personas table, and the logged sessions personas are derived from. */
@Injectable()
export class PersonaRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts library personas that are not in the table yet; never overwrites admin edits. */
  async seed(personas: Persona[]): Promise<number> {
    let inserted = 0;
    for (const p of personas) {
      const rows: unknown[] = await this.db.query(
        `INSERT INTO personas (key, source, definition) VALUES ($1, 'library', $2) ON CONFLICT (key) DO NOTHING RETURNING id`,
        [p.id, JSON.stringify(p)],
      );
      inserted += rows.length;
    }
    return inserted;
  }

  async list(catalog: ProductCatalog): Promise<Persona[]> {
    const rows: { definition: unknown }[] = await this.db.query(`SELECT definition FROM personas ORDER BY key`);
    return parsePersonas(rows.map((r) => r.definition), Object.keys(catalog.features));
  }

  async get(key: string, catalog: ProductCatalog): Promise<Persona> {
    return findPersona(await this.list(catalog), key);
  }

  /** Derives personas from the latest live (non-simulated) sessions and stores them. */
  async deriveFromLiveSessions(catalog: ProductCatalog, template: Persona, limit = 200): Promise<Persona[]> {
    const rows: { id: string; messages: string[] | null; converted: boolean }[] = await this.db.query(
      `SELECT s.id,
              (SELECT array_agg(t.text ORDER BY t.index) FROM (
                 SELECT text, index FROM turns WHERE session_id = s.id AND role = 'visitor' ORDER BY index LIMIT 3) t) AS messages,
              EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id) AS converted
         FROM chat_sessions s
        WHERE s.channel <> 'simulator'
        ORDER BY s.created_at DESC
        LIMIT $1`,
      [limit],
    );
    const summaries: LoggedSessionSummary[] = rows.map((r) => ({ sessionId: r.id, visitorMessages: r.messages ?? [], converted: r.converted }));
    const derived = derivePersonas(summaries, catalog, template);
    for (const p of derived) {
      await this.db.query(
        `INSERT INTO personas (key, source, definition) VALUES ($1, 'derived', $2)
         ON CONFLICT (key) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now() WHERE personas.source = 'derived'`,
        [p.id, JSON.stringify(p)],
      );
    }
    return derived;
  }
}
