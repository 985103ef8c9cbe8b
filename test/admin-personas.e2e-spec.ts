import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AdminActor, ApiKeyManager } from '../src/admin';
import { shippedCatalog } from '../src/catalog';
import { Database } from '../src/database';
import { loadPersonaLibrary, Persona, PersonaRepository } from '../src/simulator';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

const dbConfig = testSchemaConfig('admin_personas');
const setup: AdminActor = { keyId: null, name: 'test-setup', role: 'admin' };
const library = loadPersonaLibrary(shippedCatalog());
const feature = library[0].needs[0];
let app: INestApplication;
let db: Database;
const keys = { operator: '', viewer: '' };

beforeAll(async () => {
  ({ app, db } = await startTestApp(dbConfig));
  const manager = app.get(ApiKeyManager);
  for (const role of ['operator', 'viewer'] as const) keys[role] = (await manager.create(setup, `${role}-key`, role)).key;
});
afterAll(async () => {
  await app?.close();
  await dropSchema(dbConfig.schema);
});

type Method = 'get' | 'post' | 'put' | 'delete';
const call = (method: Method, path: string, key?: string, body?: unknown) => {
  const req = request(app.getHttpServer())[method](`/api/v1/admin/personas${path}`);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body === undefined ? req : req.send(body as object);
};
const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params);
const auditCount = async () => Number((await sql(`SELECT count(*) FROM admin_audit_log`))[0].count);
const lastAudit = async () => (await sql(`SELECT * FROM admin_audit_log ORDER BY created_at DESC, id DESC LIMIT 1`))[0];
const personaRows = async () => sql(`SELECT key, source, definition FROM personas ORDER BY key`);
const expectError = (res: request.Response, status: number, code: string, message?: RegExp) => {
  expect({ status: res.status, keys: Object.keys(res.body).sort(), code: res.body.code }).toEqual({ status, keys: ['code', 'message'], code });
  if (message) expect(res.body.message).toMatch(message);
};
const newPersona = (overrides: Partial<Persona> = {}): Persona => ({ ...library[0], id: 'ops-lead', name: 'Olga', needs: [feature], opening: undefined, ...overrides });

describe('admin personas API (real Postgres)', () => {
  it('needs a key, and a viewer cannot write', async () => {
    expectError(await call('get', ''), 401, 'unauthorized');
    const before = { audit: await auditCount(), rows: await personaRows() };
    expectError(await call('post', '', keys.viewer, newPersona()), 403, 'forbidden');
    expectError(await call('put', `/${library[0].id}`, keys.viewer, library[0]), 403, 'forbidden');
    expectError(await call('delete', `/${library[0].id}`, keys.viewer), 403, 'forbidden');
    expectError(await call('post', '/import', keys.viewer, { template: library[0].id }), 403, 'forbidden');
    expect({ audit: await auditCount(), rows: await personaRows() }).toEqual(before);
  });

  it('lists and reads the seeded library for a viewer', async () => {
    const list = await call('get', '', keys.viewer).expect(200);
    expect(list.body.items.map((i: { key: string }) => i.key)).toEqual(library.map((p) => p.id).sort());
    const one = await call('get', `/${library[0].id}`, keys.viewer).expect(200);
    expect(one.body).toEqual({ key: library[0].id, source: 'library', persona: library[0] });
    expectError(await call('get', '/nobody', keys.viewer), 404, 'unknown_persona', /nobody/);
  });

  it('refuses bad bodies with field messages and changes nothing', async () => {
    const before = { audit: await auditCount(), rows: await personaRows() };
    expectError(await call('post', '', keys.operator, newPersona({ botSensitivity: 2 })), 400, 'invalid_request', /botSensitivity/);
    expectError(await call('post', '', keys.operator, newPersona({ needs: ['teleportation'] })), 400, 'invalid_request', /unknown catalog features teleportation/);
    expectError(await call('post', '', keys.operator, { ...newPersona(), colour: 'red' }), 400, 'invalid_request', /colour: not a known field/);
    expectError(await call('put', `/${library[0].id}`, keys.operator, newPersona()), 400, 'invalid_request', /^id: /);
    expectError(await call('put', '/nobody', keys.operator, newPersona({ id: 'nobody' })), 404, 'unknown_persona');
    expectError(await call('delete', '/nobody', keys.operator), 404, 'unknown_persona');
    expectError(await call('post', '/import', keys.operator, { template: 'nobody' }), 404, 'unknown_persona');
    expectError(await call('post', '/import', keys.operator, { template: library[0].id, limit: 0 }), 400, 'invalid_request', /limit/);
    expect({ audit: await auditCount(), rows: await personaRows() }).toEqual(before);
  });

  it('creates, reads, replaces and deletes a persona, auditing each write', async () => {
    const created = await call('post', '', keys.operator, newPersona()).expect(201);
    expect(created.body).toMatchObject({ key: 'ops-lead', source: 'admin', persona: { name: 'Olga' } });
    expect(await lastAudit()).toMatchObject({ actor_name: 'operator-key', action: 'persona.create', target_type: 'persona', target_id: 'ops-lead' });
    expect((await call('get', '/ops-lead', keys.viewer).expect(200)).body.persona).toEqual(newPersona());

    const before = await auditCount();
    expectError(await call('post', '', keys.operator, newPersona({ name: 'Other' })), 409, 'persona_exists');
    expect(await auditCount()).toBe(before);
    expect((await call('get', '/ops-lead', keys.viewer).expect(200)).body.persona.name).toBe('Olga');

    await call('put', '/ops-lead', keys.operator, newPersona({ patience: 12 })).expect(200);
    expect((await call('get', '/ops-lead', keys.viewer).expect(200)).body.persona.patience).toBe(12);
    expect(await lastAudit()).toMatchObject({ action: 'persona.replace', target_id: 'ops-lead' });

    const deleted = await call('delete', '/ops-lead', keys.operator).expect(200);
    expect(deleted.body).toEqual({ key: 'ops-lead', source: 'admin', deleted: true });
    expect(await lastAudit()).toMatchObject({ action: 'persona.delete', target_id: 'ops-lead', summary: { source: 'admin' } });
    expectError(await call('get', '/ops-lead', keys.viewer), 404, 'unknown_persona');
  });

  it('an edited library persona becomes the admin\'s and survives a re-seed', async () => {
    const edited = { ...library[1], patience: 17 };
    await call('put', `/${edited.id}`, keys.operator, edited).expect(200);
    expect(await lastAudit()).toMatchObject({ action: 'persona.replace', summary: { previousSource: 'library' } });
    await app.get(PersonaRepository).seed(library);
    expect((await call('get', `/${edited.id}`, keys.viewer).expect(200)).body).toEqual({ key: edited.id, source: 'admin', persona: edited });
  });

  it('imports personas from a logged live session with the template\'s traits', async () => {
    const [s] = await sql(`INSERT INTO chat_sessions (site_key, channel) VALUES ('demo', 'widget') RETURNING id`);
    await sql(`INSERT INTO turns (session_id, index, role, text) VALUES ($1, 0, 'visitor', 'Do you have forecasting? We are 30 reps.')`, [s.id]);
    const template = library[2];
    const res = await call('post', '/import', keys.operator, { template: template.id }).expect(200);
    expect(res.body.items).toHaveLength(1);
    const [item] = res.body.items;
    expect(item).toMatchObject({ source: 'derived', persona: { needs: ['forecasting'], companySize: 30, patience: template.patience, opening: 'Do you have forecasting? We are 30 reps.' } });
    expect((await call('get', `/${item.key}`, keys.viewer).expect(200)).body.source).toBe('derived');
    expect(await lastAudit()).toMatchObject({ action: 'persona.import', target_id: null, summary: { template: template.id, limit: 200, derived: 1 } });
  });
});

describe('OpenAPI', () => {
  it('lists the personas routes with the persona body', async () => {
    const doc = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/admin/personas', '/api/v1/admin/personas/{key}', '/api/v1/admin/personas/import']));
    expect(doc.body.paths['/api/v1/admin/personas'].post.requestBody.content['application/json'].schema.properties.botSensitivity).toEqual(expect.objectContaining({ maximum: 1 }));
  });
});
