import { INestApplication } from '@nestjs/common';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { startTestApp } from './support/test-app';
import { dropSchema, testSchemaConfig } from './support/test-database';

describe('HTTP errors: one body shape { code, message }', () => {
  const dbConfig = testSchemaConfig('httperr');
  let app: INestApplication;

  beforeAll(async () => {
    // A model that is not loaded: readiness answers 503 in the same shape.
    ({ app } = await startTestApp(dbConfig, { modelStatus: { isLoaded: () => false, versionName: () => undefined } }));
  });
  afterAll(async () => {
    await app.close();
    await dropSchema(dbConfig.schema);
  });

  const expectError = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
    expect(res.body.code).toBe(code);
    expect(res.body.message).toEqual(expect.any(String));
  };

  it('body-parser errors: bad JSON, too large, bad gzip, unknown encoding', async () => {
    const server = app.getHttpServer();
    expectError(await request(server).post('/health').set('content-type', 'application/json').send('{"a": '), 400, 'invalid_json');
    expectError(await request(server).post('/health').set('content-type', 'application/json').send(JSON.stringify({ a: 'x'.repeat(200_000) })), 413, 'payload_too_large');
    expectError(await request(server).post('/api/v1/conversions').set('content-type', 'application/json').send('x'.repeat(200_000)), 413, 'payload_too_large');
    expectError(
      await request(server).post('/api/v1/conversions').set('content-type', 'application/json').set('content-encoding', 'gzip').send(Buffer.from('not gzip at all')),
      400,
      'invalid_body',
    );
    const gz = gzipSync('{"a": 1}');
    expectError(await request(server).post('/health').set('content-type', 'application/json').set('content-encoding', 'bogus').send(gz), 415, 'unsupported_encoding');
  });

  it('an unknown route, a missing signature and readiness answer the same shape', async () => {
    expectError(await request(app.getHttpServer()).get('/no/such/route'), 404, 'not_found');
    expectError(await request(app.getHttpServer()).post('/api/v1/conversions').send({}), 401, 'missing_signature');
    const notReady = await request(app.getHttpServer()).get('/health/ready');
    expectError(notReady, 503, 'not_ready');
    expect(notReady.body.message).toBe('not ready: model');
  });
});
