import { INestApplication } from '@nestjs/common';
import { UnansweredTurnsJob } from '../src/chat/unanswered-turns.job';
import { Database } from '../src/database';
import { TurnAdmission } from '../src/policy';
import { scriptedPolicy } from './support/scripted-policy';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('unanswered_busy');
let app: INestApplication;
let db: Database;

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig, { replyPolicy: scriptedPolicy(), env: { POLICY_MAX_BATCH: '1', POLICY_MAX_QUEUE: '1' } }));
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

describe('start-up recovery of unanswered messages', () => {
  it('a message refused busy (the server full of live turns) is tried again and answered once capacity frees, not left until the next restart', async () => {
    const [session] = await db.dataSource.query(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo-site', 'widget') RETURNING id`);
    await db.dataSource.query(`INSERT INTO turns (session_id, index, role, text, client_message_id) VALUES ($1, 0, 'visitor', 'How much is Growth?', 'left-over')`, [session.id]);
    // Live turns hold every admission slot while recovery starts.
    const admission = app.get(TurnAdmission);
    const held = Array.from({ length: admission.limit }, () => admission.enter());
    const recovering = app.get(UnansweredTurnsJob).run();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [session.id])).toEqual([{ role: 'visitor' }]);
    for (const leave of held) leave();
    expect(await recovering).toBe(1);
    expect(await db.dataSource.query(`SELECT role FROM turns WHERE session_id = $1 ORDER BY index`, [session.id])).toEqual([{ role: 'visitor' }, { role: 'agent' }]);
  });
});
