import { resolve } from 'node:path';
import { envSchema } from './env.schema';

export interface DatabaseConfig {
  /** External Postgres server; undefined means "start the embedded PGlite database". */
  url?: string;
  poolSize: number;
  /** Schema that holds Closer's tables; created when missing (tests use throw-away ones). */
  schema: string;
  /** Where the embedded database keeps its files. */
  embeddedDataDir: string;
}

/** An OpenAI-compatible chat-completions endpoint that plays the visitor (optional). */
export interface LlmSimulatorConfig {
  url: string;
  model: string;
  apiKey?: string;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  database: DatabaseConfig;
  /** Undefined unless SIMULATOR_URL is set: the LLM simulator is never called otherwise. */
  llmSimulator?: LlmSimulatorConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once at start-up; every bad variable is named with what is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT },
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      schema: e.DATABASE_SCHEMA,
      embeddedDataDir: resolve(dataDir, 'pglite'),
    },
    llmSimulator: e.SIMULATOR_URL ? { url: e.SIMULATOR_URL, model: e.SIMULATOR_MODEL!, apiKey: e.SIMULATOR_API_KEY } : undefined,
  };
}

// An exported-but-empty variable (`DATABASE_URL=`) means "not set", as in most twelve-factor apps.
function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}
