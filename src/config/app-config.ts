import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { CatalogError, loadCatalog, ProductCatalog } from '../catalog';
import type { WeightMode } from '../model/causal-lm';
import type { VisitorKind } from '../simulator/visitor-model';
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

export interface PrivacyConfig {
  /** STORE_RAW_TEXT: store visitors' messages as written; false (the default): with e-mails, phone, card and IBAN numbers redacted. */
  storeRawText: boolean;
  /** RETENTION_DAYS: sessions are deleted this many days after their last turn; undefined: kept until erased. */
  retentionDays?: number;
}

export interface PolicyConfig {
  /** Folder of the serving model (Hugging Face layout) until the registry names a champion. */
  modelDir: string;
  /** KV-cache capacity: prompt plus reply tokens. */
  contextTokens: number;
  /** Replies generated together in one batch. */
  maxBatch: number;
  /** Waiting requests beyond this are refused as busy. */
  maxQueue: number;
  /** POLICY_PRECOMPILE: compile every step shape when a model loads, before it takes traffic (else on first use). */
  precompile: boolean;
  /** POLICY_INFERENCE_THREADS: inference threads per served version, each with its own batch of maxBatch rows and a copy of the model. */
  inferenceThreads: number;
  /** POLICY_CONVERSATION_CACHE_MB: memory per served version for conversations' key/value caches kept between turns (least recently used dropped first; a dropped one prefills its whole prompt again). */
  conversationCacheMb: number;
  /** POLICY_WEIGHTS: how the served model's step graphs hold its weights (memory against decode speed); undefined: by model size. */
  weights?: WeightMode;
  replyMaxTokens: number;
  /** Times a reply that breaks a blocking rule is regenerated before the safe fallback is sent. */
  maxRegenerations: number;
  /** GUARDRAIL_NON_ANSWER: a first sentence that does not answer the visitor is regenerated (within maxRegenerations). */
  nonAnswerCheck: boolean;
}

/** The nightly pipeline: schedule, worker, run defaults, the evaluation gate, the registry's artifacts. */
export interface NightlyConfig {
  /** Cron expression (UTC) of the nightly enqueue; the admin setting `training.cron` overrides it. */
  cron: string;
  /** `spawn`: the server runs `closer worker` as a child process; `off`: run workers yourself. */
  worker: 'off' | 'spawn';
  device: 'cpu' | 'cuda' | 'auto';
  /** Trained model versions (`versions/<name>`) and run folders (`runs/<id>`). */
  artifactDir: string;
  estimator: 'hian' | 'grpo' | 'session-only' | 'turn-only' | 'hian-batch' | 'hian-position' | 'mt-grpo' | 'mapo';
  steps: number;
  contexts: number;
  group: number;
  evalSessions: number;
  /** Logged sessions of the last N days feed a run's personas. */
  dataDays: number;
  maxAttempts: number;
  /** LoRA rank of nightly runs (0: full fine-tune) and the Linear modules the adapter wraps. */
  lora: { rank: number; targets: string[] };
  /** DuCA's fusion weights of the HIAN-normalized session (α) and turn (β) advantages; the admin settings override them. */
  hian: { alpha: number; beta: number };
  /** The visitor training rollouts play against (docs/simulator.md, "Two regimes"). */
  visitor: VisitorKind;
  /** The visitors the gate judges on: conversion and every guard on strict; violations on each other one too. */
  gateVisitors: VisitorKind[];
  heartbeatSeconds: number;
  /** A running run whose heartbeat is older than this is taken back (requeued or failed). */
  staleSeconds: number;
  championPollSeconds: number;
  gate: { conversionMargin: number; maxViolationsIncrease: number; maxRepetitionIncrease: number; maxIdentityIncrease: number };
}

/** The canary stage: a candidate that passed the gate serves `share` of new sessions until live outcomes decide (0: promote at once). */
export interface CanaryConfig {
  share: number;
  conversionMargin: number;
  guardMargin: number;
  maxSessions: number;
  maxHours: number;
  /** How often the live test is read (it is always valid, so as often as one likes). */
  checkMinutes: number;
}

/** Redis shared by the replicas of one deployment: socket.io's adapter and the per-session turn lock. */
export interface RedisConfig {
  url: string;
  /** Starts every key and channel, so deployments (and test runs) sharing a Redis stay apart. */
  prefix: string;
}

/** A token bucket: `rate` tokens a second, holding at most `burst`. */
export interface BucketLimit {
  rate: number;
  burst: number;
}

/** Bad input and limits (docs/security.md): request rates per IP and per session, socket frame size. */
export interface LimitsConfig {
  /** Proxies in front of the server whose X-Forwarded-For is trusted; 0: the peer address is the client's. */
  trustProxyHops: number;
  /** HTTP requests per client IP per `windowSeconds`, by route group. */
  http: { windowSeconds: number; admin: number; webhook: number; other: number };
  /** socket.io events (and handshakes, on the IP's bucket) per client IP and per chat session. */
  socket: { perIp: BucketLimit; perSession: BucketLimit; maxMessageBytes: number };
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  /** `socketIoPath`: where socket.io (the widget protocol and the Rasa channel) is served. */
  http: { host: string; port: number; socketIoPath: string };
  /** Undefined unless REDIS_URL is set: one server, socket.io in memory, turns ordered in process. */
  redis?: RedisConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  database: DatabaseConfig;
  policy: PolicyConfig;
  /** Active sessions with no turn for this long are closed as timed out. */
  sessionIdleMinutes: number;
  /** SIGTERM: how long the replies under way may take to finish before the server closes anyway. */
  shutdownDrainSeconds: number;
  /** A conversion counts for a session if it happens within this many hours of the session's start. */
  attributionWindowHours: number;
  /** HMAC key of the visitor identifiers sites pass (stored only as keyed hashes); unset: visitor identifiers are refused. */
  visitorIdSecret?: string;
  /** docs/privacy.md: what is kept of visitors' messages, and for how long. */
  privacy: PrivacyConfig;
  /** What the agent sells (CATALOG_PATH, else the shipped Pipewise catalog); a site may have its own. */
  catalog: ProductCatalog;
  /** The simulator's persona library (PERSONAS_PATH); undefined: the shipped one. */
  personasPath?: string;
  /** Undefined unless SIMULATOR_URL is set: the LLM simulator is never called otherwise. */
  llmSimulator?: LlmSimulatorConfig;
  nightly: NightlyConfig;
  canary: CanaryConfig;
  /** After each nightly run, each served version with at least `minLiveSessions` live sessions is simulated `simulatedSessions` times (0: not measured). */
  fidelity: { minLiveSessions: number; simulatedSessions: number };
  limits: LimitsConfig;
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
  let catalog: ProductCatalog;
  try {
    catalog = loadCatalog(e.CATALOG_PATH && resolve(e.CATALOG_PATH));
  } catch (err) {
    if (err instanceof CatalogError) throw new ConfigError([`CATALOG_PATH: ${err.message}`]);
    throw err;
  }
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, socketIoPath: e.SOCKET_IO_PATH },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      schema: e.DATABASE_SCHEMA,
      embeddedDataDir: resolve(dataDir, 'pglite'),
    },
    policy: {
      modelDir: resolve(e.MODEL_DIR),
      contextTokens: e.MODEL_CONTEXT_TOKENS,
      maxBatch: e.POLICY_MAX_BATCH,
      maxQueue: e.POLICY_MAX_QUEUE,
      precompile: e.POLICY_PRECOMPILE === 'true',
      // Two threads pay on two cores (docs/performance.md); more copies of the model than cores do not.
      inferenceThreads: e.POLICY_INFERENCE_THREADS === 'auto' ? Math.min(2, availableParallelism()) : e.POLICY_INFERENCE_THREADS,
      weights: e.POLICY_WEIGHTS === 'auto' ? undefined : e.POLICY_WEIGHTS,
      conversationCacheMb: e.POLICY_CONVERSATION_CACHE_MB,
      replyMaxTokens: e.REPLY_MAX_TOKENS,
      maxRegenerations: e.GUARDRAIL_MAX_REGENERATIONS,
      nonAnswerCheck: e.GUARDRAIL_NON_ANSWER === 'true',
    },
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    shutdownDrainSeconds: e.SHUTDOWN_DRAIN_SECONDS,
    attributionWindowHours: e.ATTRIBUTION_WINDOW_HOURS,
    visitorIdSecret: e.VISITOR_ID_SECRET,
    privacy: { storeRawText: e.STORE_RAW_TEXT === 'true', retentionDays: e.RETENTION_DAYS },
    catalog,
    personasPath: e.PERSONAS_PATH && resolve(e.PERSONAS_PATH),
    llmSimulator: e.SIMULATOR_URL ? { url: e.SIMULATOR_URL, model: e.SIMULATOR_MODEL!, apiKey: e.SIMULATOR_API_KEY } : undefined,
    nightly: {
      cron: e.TRAINING_CRON,
      worker: e.TRAINING_WORKER,
      device: e.TRAIN_DEVICE,
      artifactDir: resolve(e.ARTIFACT_DIR ?? resolve(dataDir, 'artifacts')),
      estimator: e.TRAINING_ESTIMATOR,
      steps: e.TRAINING_STEPS,
      contexts: e.TRAINING_CONTEXTS,
      group: e.TRAINING_GROUP,
      evalSessions: e.TRAINING_EVAL_SESSIONS,
      dataDays: e.TRAINING_DATA_DAYS,
      maxAttempts: e.TRAINING_MAX_ATTEMPTS,
      lora: { rank: e.TRAINING_LORA_RANK, targets: e.TRAINING_LORA_TARGETS },
      hian: { alpha: e.TRAINING_HIAN_ALPHA, beta: e.TRAINING_HIAN_BETA },
      visitor: e.TRAINING_VISITOR,
      gateVisitors: e.GATE_VISITORS,
      heartbeatSeconds: e.TRAINING_HEARTBEAT_SECONDS,
      staleSeconds: e.TRAINING_STALE_SECONDS,
      championPollSeconds: e.CHAMPION_POLL_SECONDS,
      gate: {
        conversionMargin: e.GATE_CONVERSION_MARGIN,
        maxViolationsIncrease: e.GATE_MAX_VIOLATIONS_INCREASE,
        maxRepetitionIncrease: e.GATE_MAX_REPETITION_INCREASE,
        maxIdentityIncrease: e.GATE_MAX_IDENTITY_INCREASE,
      },
    },
    canary: {
      share: e.CANARY_SHARE,
      conversionMargin: e.CANARY_CONVERSION_MARGIN,
      guardMargin: e.CANARY_GUARD_MARGIN,
      maxSessions: e.CANARY_MAX_SESSIONS,
      maxHours: e.CANARY_MAX_HOURS,
      checkMinutes: e.CANARY_CHECK_MINUTES,
    },
    fidelity: { minLiveSessions: e.FIDELITY_MIN_SESSIONS, simulatedSessions: e.FIDELITY_SESSIONS },
    limits: {
      trustProxyHops: e.TRUST_PROXY_HOPS,
      http: { windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS, admin: e.RATE_LIMIT_ADMIN, webhook: e.RATE_LIMIT_WEBHOOK, other: e.RATE_LIMIT_HTTP },
      socket: {
        perIp: { rate: e.SOCKET_RATE_IP, burst: e.SOCKET_BURST_IP },
        perSession: { rate: e.SOCKET_RATE_SESSION, burst: e.SOCKET_BURST_SESSION },
        maxMessageBytes: e.SOCKET_MAX_MESSAGE_BYTES,
      },
    },
  };
}

// An exported-but-empty variable (`DATABASE_URL=`) means "not set", as in most twelve-factor apps.
function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}
