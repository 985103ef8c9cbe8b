import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../migrations';
import { spawnEntry, waitForExit, waitForHttp } from './support/spawn-server';
import { dropSchema, testDatabaseUrl } from './support/test-database';

/** The real entry points as separate processes: what an operator sees at the terminal. */
describe('server start-up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'closer-startup-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function expectOneClearLine(stderr: string, pattern: RegExp) {
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  }

  it('with no DATABASE_URL, starts on the embedded database and serves /health', async () => {
    const port = await freePort();
    const server = spawnEntry('src/main.ts', [], { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      const live = await waitForHttp(`http://127.0.0.1:${port}/health`);
      expect(await live.json()).toMatchObject({ status: 'ok' });
      const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as { details: Record<string, unknown> };
      expect(ready.details.database).toEqual({ status: 'up', kind: 'embedded' });
    } finally {
      const exited = waitForExit(server);
      server.kill('SIGTERM');
      // Nest closes the app (and the embedded database) and then re-raises the signal.
      expect(await exited).toMatchObject({ signal: 'SIGTERM', stderr: '' });
    }
  });

  it('a malformed DATABASE_URL and a bad PORT are each named on one line', async () => {
    const exit = await waitForExit(spawnEntry('src/main.ts', [], { DATABASE_URL: 'mysql://db/x', PORT: 'eighty' }));
    expect(exit.code).toBe(1);
    expectOneClearLine(exit.stderr, /^closer: invalid configuration: .*PORT: must be a whole number.*DATABASE_URL: must be a postgres/);
  });

  it('an unreachable database ends start-up with one line, without the password', async () => {
    const port = await freePort();
    const exit = await waitForExit(
      spawnEntry('src/main.ts', [], { DATABASE_URL: `postgres://closer:s3cret@127.0.0.1:${port}/closer` }),
    );
    expect(exit.code).toBe(1);
    expectOneClearLine(exit.stderr, /^closer: cannot reach the database at postgres:\/\/closer:\*\*\*@127\.0\.0\.1:\d+\/closer \(ECONNREFUSED\)/);
    expect(exit.stderr).not.toContain('s3cret');
  });

  it('a port in use ends start-up with one line naming the port', async () => {
    const blocker = await listen();
    const port = (blocker.address() as { port: number }).port;
    const schema = `t_startup_${process.pid}`;
    try {
      const exit = await waitForExit(
        spawnEntry('src/main.ts', [], {
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: testDatabaseUrl,
          DATABASE_SCHEMA: schema,
          LOG_LEVEL: 'silent',
        }),
      );
      expect(exit.code).toBe(1);
      expectOneClearLine(exit.stderr, new RegExp(`^closer: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
      await dropSchema(schema);
    }
  });

  it('`closer migrate` applies the migrations once, then reports the schema current', async () => {
    const schema = `t_cli_${process.pid}`;
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema };
    try {
      const first = await waitForExit(spawnEntry('src/cli/index.ts', ['migrate'], env));
      expect(first).toMatchObject({ code: 0, stdout: migrations.map((m) => `applied ${m.name}\n`).join('') });
      const second = await waitForExit(spawnEntry('src/cli/index.ts', ['migrate'], env));
      expect(second).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });
    } finally {
      await dropSchema(schema);
    }
  });
});

describe('closer simulate', () => {
  it('prints a JSON summary and writes transcripts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'closer-sim-'));
    try {
      const transcripts = join(dir, 'sessions.jsonl');
      const exit = await waitForExit(
        spawnEntry('src/cli/index.ts', ['simulate', '--agent', 'scripted-good', '--sessions', '24', '--seed', '3', '--transcripts', transcripts], {}),
      );
      expect(exit.code).toBe(0);
      const summary = JSON.parse(exit.stdout);
      expect(summary).toMatchObject({ agent: 'scripted-good', seed: 3, sessions: 24, simulator: 'rule-based' });
      expect(summary.conversionRateCi95[0]).toBeLessThanOrEqual(summary.conversionRate);
      const lines = readFileSync(transcripts, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(24);
      expect(JSON.parse(lines[0]).turns[0].role).toBe('visitor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown persona and a bad --sessions get clear errors', async () => {
    const unknown = await waitForExit(spawnEntry('src/cli/index.ts', ['simulate', '--agent', 'scripted-good', '--persona', 'nobody'], {}));
    expect(unknown).toMatchObject({ code: 1, stderr: 'closer: unknown persona "nobody"\n' });
    const bad = await waitForExit(spawnEntry('src/cli/index.ts', ['simulate', '--agent', 'scripted-good', '--sessions', '0'], {}));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--sessions <n>' argument '0' is invalid. must be a whole number ≥ 1");
  });

  it('a bad --catalog is one line naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'closer-catalog-'));
    try {
      const catalog = join(dir, 'acme.json');
      writeFileSync(catalog, JSON.stringify({ product: 'Acme CRM' }));
      const exit = await waitForExit(spawnEntry('src/cli/index.ts', ['simulate', '--agent', 'scripted-good', '--catalog', catalog], {}));
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(new RegExp(`^closer: ${catalog.replace(/[.]/g, '\\.')}: tagline: .*; currency: .*plans: `));
      expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await listen();
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
