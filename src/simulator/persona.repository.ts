import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { derivePersonas, LoggedSessionSummary } from './derived-personas';
import { findPersona, parsePersonas, Persona, UnknownPersonaError } from './persona';

/**
 * The first three visitor messages of session `alias`, oldest first (an SQL array; NULL without
 * any): what personas are derived from. Only messages written before a person first took the
 * session over: later ones answer the person, so they are no material to learn the agent from
 * (a person's own messages, role `person`, are never read).
 */
export const visitorOpeningsOf = (alias: string) => `(SELECT array_agg(t.text ORDER BY t.index) FROM (
    SELECT text, index FROM turns WHERE session_id = ${alias}.id AND role = 'visitor'
       AND created_at < COALESCE((SELECT min(h.taken_at) FROM handoffs h WHERE h.session_id = ${alias}.id), 'infinity')
     ORDER BY index LIMIT 3) t)`;

/** Where a stored persona came from: the library file, a live-session import, or an admin's create / replace. */
export type PersonaSource = 'library' | 'derived' | 'admin';

/** A create refused because the key is taken (nothing was written). */
export class PersonaExistsError extends Error {
  readonly code = 'persona_exists';
  constructor(key: string) {
    super(`persona "${key}" already exists`);
    this.name = 'PersonaExistsError';
  }
}

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

  /** Every stored persona with its source, by key. */
  async listWithSource(catalog: ProductCatalog): Promise<{ persona: Persona; source: PersonaSource }[]> {
    const rows: { definition: unknown; source: PersonaSource }[] = await this.db.query(`SELECT definition, source FROM personas ORDER BY key`);
    const personas = parsePersonas(rows.map((r) => r.definition), Object.keys(catalog.features));
    return personas.map((persona, i) => ({ persona, source: rows[i].source }));
  }

  async get(key: string, catalog: ProductCatalog): Promise<Persona> {
    return findPersona(await this.list(catalog), key);
  }

  /** The stored persona with its source; `UnknownPersonaError` if there is none. */
  async find(key: string, catalog: ProductCatalog, manager: EntityManager = this.db.manager): Promise<{ persona: Persona; source: PersonaSource }> {
    const rows: { definition: unknown; source: PersonaSource }[] = await manager.query(`SELECT definition, source FROM personas WHERE key = $1`, [key]);
    if (!rows[0]) throw new UnknownPersonaError(key);
    return { persona: parsePersonas([rows[0].definition], Object.keys(catalog.features))[0], source: rows[0].source };
  }

  /** Stores a new admin persona; `PersonaExistsError` if the key is taken. */
  async create(persona: Persona, manager: EntityManager = this.db.manager): Promise<void> {
    const rows: unknown[] = await manager.query(`INSERT INTO personas (key, source, definition) VALUES ($1, 'admin', $2) ON CONFLICT (key) DO NOTHING RETURNING id`, [
      persona.id,
      JSON.stringify(persona),
    ]);
    if (rows.length === 0) throw new PersonaExistsError(persona.id);
  }

  /** Replaces a stored persona, which becomes the admin's: the seeder and later imports leave it alone. */
  async replace(persona: Persona, manager: EntityManager = this.db.manager): Promise<PersonaSource> {
    const rows: { source: PersonaSource }[] = await manager.query(`SELECT source FROM personas WHERE key = $1 FOR UPDATE`, [persona.id]);
    if (!rows[0]) throw new UnknownPersonaError(persona.id);
    await manager.query(`UPDATE personas SET definition = $2, source = 'admin', updated_at = now() WHERE key = $1`, [persona.id, JSON.stringify(persona)]);
    return rows[0].source;
  }

  /** Deletes a stored persona (a library one comes back at the next start-up); `UnknownPersonaError` if there is none. */
  async delete(key: string, manager: EntityManager = this.db.manager): Promise<PersonaSource> {
    const rows: { source: PersonaSource }[] = await manager.query(`WITH gone AS (DELETE FROM personas WHERE key = $1 RETURNING source) SELECT source FROM gone`, [key]);
    if (!rows[0]) throw new UnknownPersonaError(key);
    return rows[0].source;
  }

  /** Derives personas from the latest live (non-simulated) sessions and stores them. */
  async deriveFromLiveSessions(catalog: ProductCatalog, template: Persona, limit = 200, manager: EntityManager = this.db.manager): Promise<Persona[]> {
    const rows: { id: string; messages: string[] | null; converted: boolean }[] = await manager.query(
      `SELECT s.id, ${visitorOpeningsOf('s')} AS messages,
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
      await manager.query(
        `INSERT INTO personas (key, source, definition) VALUES ($1, 'derived', $2)
         ON CONFLICT (key) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now() WHERE personas.source = 'derived'`,
        [p.id, JSON.stringify(p)],
      );
    }
    return derived;
  }
}
