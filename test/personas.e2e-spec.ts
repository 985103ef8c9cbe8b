import { INestApplication } from '@nestjs/common';
import { shippedCatalog } from '../src/catalog';
import { Database } from '../src/database';
import { loadPersonaLibrary, PersonaRepository, UnknownPersonaError } from '../src/simulator';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);

describe('personas table (real Postgres)', () => {
  const dbConfig = testSchemaConfig('personas');
  let app: INestApplication;
  let db: Database;
  let personas: PersonaRepository;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig));
    personas = app.get(PersonaRepository);
  });

  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('is seeded from the library at start-up, and seeding again changes nothing', async () => {
    const listed = await personas.list(defaultCatalog);
    expect(listed.map((p) => p.id).sort()).toEqual(defaultPersonas.map((p) => p.id).sort());
    expect(await personas.seed(defaultPersonas)).toBe(0);
  });

  it('keeps an admin edit when the library is seeded again', async () => {
    const edited = { ...defaultPersonas[0], patience: 9 };
    await db.dataSource.query(`UPDATE personas SET definition = $1, source = 'admin' WHERE key = $2`, [JSON.stringify(edited), edited.id]);
    await personas.seed(defaultPersonas);
    expect((await personas.get(edited.id, defaultCatalog)).patience).toBe(9);
  });

  it('an unknown persona key is a clear error', async () => {
    await expect(personas.get('nobody', defaultCatalog)).rejects.toThrow(UnknownPersonaError);
  });

  it('derives personas from logged live sessions and stores them', async () => {
    const [s] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo', 'widget') RETURNING id`);
    await db.dataSource.query(
      `INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'Do you have forecasting? We are 30 reps.'), ($1, 1, 'agent', 'Yes.'), ($1, 2, 'visitor', 'Can we cancel any time?')`,
      [s.id],
    );
    await db.dataSource.query(`INSERT INTO conversions (session_id, source, occurred_at) VALUES ($1, 'widget', now())`, [s.id]);
    const [sim] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo', 'simulator') RETURNING id`);
    await db.dataSource.query(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'Do you have SSO?')`, [sim.id]);

    const derived = await personas.deriveFromLiveSessions(defaultCatalog, defaultPersonas[0]);
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({ needs: ['forecasting'], objections: ['contract'], companySize: 30, buyingIntent: 0.75 });
    const stored = await personas.get(derived[0].id, defaultCatalog);
    expect(stored.opening).toBe('Do you have forecasting? We are 30 reps.');
  });
});
