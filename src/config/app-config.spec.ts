import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('fills in defaults so an empty environment starts on the embedded database', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000, socketIoPath: '/socket.io/' });
    expect(config.database.url).toBeUndefined();
    expect(config.database.schema).toBe('public');
    expect(config.database.embeddedDataDir).toMatch(/data\/pglite$/);
    expect(config.logLevel).toBe('info');
    expect(config.redis).toBeUndefined();
    expect(config.policy.inferenceThreads).toBe(Math.min(2, availableParallelism()));
  });

  it('refuses inference threads that are not auto or 1–16', () => {
    for (const bad of ['0', '17', 'two']) expect(() => loadConfig({ POLICY_INFERENCE_THREADS: bad })).toThrow('POLICY_INFERENCE_THREADS: must be auto or a whole number from 1 to 16');
  });

  it('reads the catalog from CATALOG_PATH, and names the variable and the field when it is bad', () => {
    expect(loadConfig({}).catalog.product).toBe('Pipewise');
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    const good = join(dir, 'acme.json');
    writeFileSync(good, JSON.stringify({ ...loadConfig({}).catalog, product: 'Acme CRM' }));
    expect(loadConfig({ CATALOG_PATH: good }).catalog.product).toBe('Acme CRM');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...loadConfig({}).catalog, currency: 'dollars' }));
    expect(() => loadConfig({ CATALOG_PATH: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ CATALOG_PATH: bad })).toThrow(`CATALOG_PATH: ${bad}: currency: must be an ISO 4217 code such as USD`);
  });

  it('treats an exported but empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.url).toBeUndefined();
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      SOCKET_IO_PATH: '/chat-io/',
      REDIS_URL: 'redis://:pw@cache.internal:6380/2',
      REDIS_PREFIX: 'closer-eu',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgresql://u:p@db.internal:5433/closer',
      DATABASE_POOL_SIZE: '25',
      DATABASE_SCHEMA: 'closer',
      DATA_DIR: '/var/lib/closer',
      MODEL_DIR: '/srv/models/champion',
      MODEL_CONTEXT_TOKENS: '1024',
      POLICY_MAX_BATCH: '4',
      POLICY_MAX_QUEUE: '16',
      POLICY_INFERENCE_THREADS: '3',
      REPLY_MAX_TOKENS: '80',
      GUARDRAIL_MAX_REGENERATIONS: '1',
      GUARDRAIL_NON_ANSWER: 'false',
      SESSION_IDLE_MINUTES: '45',
      ATTRIBUTION_WINDOW_HOURS: '48',
      VISITOR_ID_SECRET: 'a-server-secret-of-32-characters',
      STORE_RAW_TEXT: 'true',
      RETENTION_DAYS: '90',
      SIMULATOR_URL: 'http://127.0.0.1:8000/v1',
      SIMULATOR_MODEL: 'visitor',
      PERSONAS_PATH: '/srv/closer/personas.json',
      ARTIFACT_DIR: '/srv/closer/artifacts',
      TRAINING_CRON: '30 2 * * 1-5',
      TRAINING_WORKER: 'spawn',
      TRAIN_DEVICE: 'auto',
      TRAINING_ESTIMATOR: 'grpo',
      TRAINING_STEPS: '40',
      TRAINING_CONTEXTS: '8',
      TRAINING_GROUP: '4',
      TRAINING_EVAL_SESSIONS: '400',
      TRAINING_DATA_DAYS: '7',
      TRAINING_MAX_ATTEMPTS: '3',
      TRAINING_LORA_RANK: '8',
      TRAINING_LORA_TARGETS: 'q_proj, v_proj',
      TRAINING_HIAN_ALPHA: '0.5',
      TRAINING_HIAN_BETA: '2',
      TRAINING_HEARTBEAT_SECONDS: '5',
      TRAINING_STALE_SECONDS: '60',
      CHAMPION_POLL_SECONDS: '15',
      SHUTDOWN_DRAIN_SECONDS: '40',
      GATE_CONVERSION_MARGIN: '0.02',
      GATE_MAX_VIOLATIONS_INCREASE: '0.001',
      GATE_MAX_REPETITION_INCREASE: '0.02',
      GATE_MAX_IDENTITY_INCREASE: '0.03',
      TRUST_PROXY_HOPS: '1',
      RATE_LIMIT_WINDOW_SECONDS: '30',
      RATE_LIMIT_ADMIN: '100',
      RATE_LIMIT_WEBHOOK: '50',
      RATE_LIMIT_HTTP: '200',
      SOCKET_RATE_IP: '10',
      SOCKET_BURST_IP: '30',
      SOCKET_RATE_SESSION: '1',
      SOCKET_BURST_SESSION: '5',
      SOCKET_MAX_MESSAGE_BYTES: '32768',
    });
    expect(config).toEqual({
      env: 'production',
      http: { host: '127.0.0.1', port: 8080, socketIoPath: '/chat-io/' },
      redis: { url: 'redis://:pw@cache.internal:6380/2', prefix: 'closer-eu' },
      logLevel: 'warn',
      dataDir: '/var/lib/closer',
      database: {
        url: 'postgresql://u:p@db.internal:5433/closer',
        poolSize: 25,
        schema: 'closer',
        embeddedDataDir: '/var/lib/closer/pglite',
      },
      policy: { modelDir: '/srv/models/champion', contextTokens: 1024, maxBatch: 4, maxQueue: 16, precompile: true, inferenceThreads: 3, conversationCacheMb: 256, replyMaxTokens: 80, maxRegenerations: 1, nonAnswerCheck: false },
      sessionIdleMinutes: 45,
      shutdownDrainSeconds: 40,
      attributionWindowHours: 48,
      visitorIdSecret: 'a-server-secret-of-32-characters',
      privacy: { storeRawText: true, retentionDays: 90 },
      catalog: loadConfig({}).catalog,
      personasPath: '/srv/closer/personas.json',
      llmSimulator: { url: 'http://127.0.0.1:8000/v1', model: 'visitor', apiKey: undefined },
      nightly: {
        cron: '30 2 * * 1-5',
        worker: 'spawn',
        device: 'auto',
        artifactDir: '/srv/closer/artifacts',
        estimator: 'grpo',
        steps: 40,
        contexts: 8,
        group: 4,
        evalSessions: 400,
        dataDays: 7,
        maxAttempts: 3,
        lora: { rank: 8, targets: ['q_proj', 'v_proj'] },
        hian: { alpha: 0.5, beta: 2 },
        visitor: 'strict',
        gateVisitors: ['strict'],
        heartbeatSeconds: 5,
        staleSeconds: 60,
        championPollSeconds: 15,
        gate: { conversionMargin: 0.02, maxViolationsIncrease: 0.001, maxRepetitionIncrease: 0.02, maxIdentityIncrease: 0.03 },
      },
      canary: { share: 0.1, conversionMargin: 0.05, guardMargin: 0.02, maxSessions: 5000, maxHours: 168, checkMinutes: 15 },
      fidelity: { minLiveSessions: 50, simulatedSessions: 200 },
      limits: {
        trustProxyHops: 1,
        http: { windowSeconds: 30, admin: 100, webhook: 50, other: 200 },
        socket: { perIp: { rate: 10, burst: 30 }, perSession: { rate: 1, burst: 5 }, maxMessageBytes: 32768 },
      },
    });
    expect(loadConfig({ DATA_DIR: '/var/lib/closer' }).nightly.artifactDir).toBe('/var/lib/closer/artifacts');
    expect(loadConfig({}).nightly.lora).toEqual({ rank: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
  });

  it('refuses a schedule that is not a cron expression, a group of one, a stale limit within the heartbeat, bad HIAN weights and a short visitor secret', () => {
    expect(() => loadConfig({ TRAINING_CRON: 'every night' })).toThrow('TRAINING_CRON: must be a cron expression, e.g. "0 3 * * *" (03:00 every day)');
    expect(() => loadConfig({ TRAINING_GROUP: '1' })).toThrow('TRAINING_GROUP: must be at least 2');
    expect(() => loadConfig({ TRAINING_LORA_TARGETS: 'q_proj,attn' })).toThrow('TRAINING_LORA_TARGETS: must be a comma-separated list of q_proj, k_proj');
    expect(() => loadConfig({ TRAINING_HEARTBEAT_SECONDS: '30', TRAINING_STALE_SECONDS: '30' })).toThrow('TRAINING_STALE_SECONDS: must be longer than TRAINING_HEARTBEAT_SECONDS');
    expect(() => loadConfig({ GATE_CONVERSION_MARGIN: '2' })).toThrow('GATE_CONVERSION_MARGIN: must be a number from 0 to 1');
    expect(() => loadConfig({ TRAINING_HIAN_ALPHA: '11' })).toThrow('TRAINING_HIAN_ALPHA: must be a number from 0 to 10');
    expect(() => loadConfig({ TRAINING_HIAN_ALPHA: '0', TRAINING_HIAN_BETA: '0' })).toThrow('TRAINING_HIAN_BETA: TRAINING_HIAN_ALPHA and TRAINING_HIAN_BETA must not both be 0');
    expect(() => loadConfig({ VISITOR_ID_SECRET: 'short' })).toThrow('VISITOR_ID_SECRET: must be at least 32 characters');
  });

  it('redacts stored visitor text and keeps sessions until erased unless told otherwise', () => {
    expect(loadConfig({}).privacy).toEqual({ storeRawText: false, retentionDays: undefined });
    expect(loadConfig({ STORE_RAW_TEXT: 'false', RETENTION_DAYS: '1' }).privacy).toEqual({ storeRawText: false, retentionDays: 1 });
    expect(() => loadConfig({ STORE_RAW_TEXT: 'yes' })).toThrow('STORE_RAW_TEXT: must be true or false');
    expect(() => loadConfig({ GUARDRAIL_NON_ANSWER: 'no' })).toThrow('GUARDRAIL_NON_ANSWER: must be true or false');
    expect(() => loadConfig({ RETENTION_DAYS: '0' })).toThrow('RETENTION_DAYS: must be at least 1');
    expect(() => loadConfig({ RETENTION_DAYS: '30.5' })).toThrow('RETENTION_DAYS: must be a whole number');
  });

  it('names every bad variable with what is wrong', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud', DATABASE_SCHEMA: 'Robert"; DROP' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: must be a whole number from 0 to 65535',
        expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\//),
        expect.stringMatching(/^LOG_LEVEL: /),
        expect.stringMatching(/^DATABASE_SCHEMA: must be a lower-case SQL identifier/),
      ]),
    );
  });

  it('requires SIMULATOR_MODEL with SIMULATOR_URL', () => {
    expect(() => loadConfig({ SIMULATOR_URL: 'http://127.0.0.1:8000/v1' })).toThrow('SIMULATOR_MODEL: is required when SIMULATOR_URL is set');
  });

  it('refuses a REDIS_URL of another scheme and a prefix that is not a plain name', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow('REDIS_URL: must be a redis:// or rediss:// URL');
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'a b' })).toThrow('REDIS_PREFIX: must be 1-64 letters');
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redis).toEqual({ url: 'rediss://cache:6380', prefix: 'closer' });
  });

  it('rejects a URL of another database', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@localhost/test' })).toThrow(/DATABASE_URL/);
  });
});
