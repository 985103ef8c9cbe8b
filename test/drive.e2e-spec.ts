import { INestApplication } from '@nestjs/common';
import { shippedCatalog } from '../src/catalog';
import { ChatMessage } from '../src/model';
import { HistoryTurn } from '../src/scoring';
import { loadPersonaLibrary, RuleBasedSimulator, scriptedIdealAgent } from '../src/simulator';
import { driveVisitors } from '../src/simulator/live-driver';
import { SitesRepository } from '../src/sites';
import { Database } from '../src/database';
import { listen } from './support/chat-client';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const catalog = shippedCatalog();
const personas = loadPersonaLibrary(catalog);

/** The scripted ideal salesperson as the served policy: it sells, so the driver has calls to action to click. */
const idealPolicy = scriptedPolicy('', {
  async *reply(messages: ChatMessage[], options) {
    const history = messages.flatMap((m): HistoryTurn[] => (m.role === 'user' ? [{ role: 'visitor', text: m.content }] : m.role === 'assistant' ? [{ role: 'agent', text: m.content }] : []));
    const text = await scriptedIdealAgent(catalog, options.seed)(history);
    yield { kind: 'delta', text };
    yield { kind: 'done', text, promptTokens: 1, completionTokens: 1 };
  },
});

describe('closer drive: simulated visitors through the real /chat protocol', () => {
  const dbConfig = testSchemaConfig('drive');
  let app: INestApplication;
  let db: Database;
  let url: string;

  beforeAll(async () => {
    ({ app, db } = await startTestApp(dbConfig, { replyPolicy: idealPolicy }));
    await app.get(SitesRepository).create('shop-1', 'Shop One');
    url = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  it('plays every visitor to its end, stores their sessions and turns, and reports the conversions it clicked', async () => {
    const { summary, visitors } = await driveVisitors({
      url,
      siteKey: 'shop-1',
      simulator: new RuleBasedSimulator(personas, catalog, 'strict'),
      personas,
      visitors: 6,
      concurrency: 2,
      seed: 3,
      replyTimeoutMs: 30_000,
    });
    expect(summary).toEqual(expect.objectContaining({ visitors: 6, finished: 6, errors: {} }));
    expect(summary.converted).toBeGreaterThan(0);
    const ids = visitors.map((v) => v.sessionId);
    const sessions = await db.dataSource.query(`SELECT id, status FROM chat_sessions WHERE id = ANY($1)`, [ids]);
    expect(sessions).toHaveLength(6);
    const agentTurns = Number((await db.dataSource.query(`SELECT count(*) FROM turns WHERE session_id = ANY($1) AND role = 'agent'`, [ids]))[0].count);
    expect(agentTurns).toBe(visitors.reduce((a, v) => a + v.agentTurns, 0));
    const converted = await db.dataSource.query(`SELECT session_id FROM conversions WHERE session_id = ANY($1)`, [ids]);
    expect(converted.map((r: { session_id: string }) => r.session_id).sort()).toEqual(visitors.filter((v) => v.outcome?.converted).map((v) => v.sessionId).sort());
  });

  it('a visitor the server refuses stops with its error code and leaves nothing half-played', async () => {
    const { summary, visitors } = await driveVisitors({
      url,
      siteKey: 'not a site key!',
      simulator: new RuleBasedSimulator(personas, catalog),
      personas,
      visitors: 2,
      concurrency: 2,
      seed: 1,
      replyTimeoutMs: 10_000,
    });
    expect(summary.finished).toBe(0);
    expect(summary.errors).toEqual({ invalid_payload: 2 });
    expect(visitors.every((v) => v.error && !v.outcome)).toBe(true);
  });
});
