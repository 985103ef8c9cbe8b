import { CronTime } from 'cron';
import { z } from 'zod';
import { LORA_TARGETS } from '../model/lora/lora';
import { VISITOR_KINDS, VisitorKind } from '../simulator/visitor-model';

const port = z.coerce
  .number({ error: 'must be a whole number from 0 to 65535' })
  .int('must be a whole number from 0 to 65535')
  .min(0, 'must be a whole number from 0 to 65535')
  .max(65535, 'must be a whole number from 0 to 65535');

const databaseUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:pass@127.0.0.1:5432/closer');

const wholeNumber = (min: number, max: number) => z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const hianWeight = z.coerce.number({ error: 'must be a number from 0 to 10' }).min(0, 'must be a number from 0 to 10').max(10, 'must be a number from 0 to 10');
/** The visitors the gate judges on: strict always (the stand-in for real customers), persuadable optionally. */
export const gateVisitors = z
  .string()
  .transform((list) => [...new Set(list.split(',').map((v) => v.trim()).filter(Boolean))] as VisitorKind[])
  .refine((kinds) => kinds.every((k) => (VISITOR_KINDS as readonly string[]).includes(k)), `must be a comma-separated list of ${VISITOR_KINDS.join(', ')}`)
  .refine((kinds) => kinds.includes('strict'), 'must include strict (what the gate judges conversion on)');
const fraction = z.coerce.number({ error: 'must be a number from 0 to 1' }).min(0, 'must be a number from 0 to 1').max(1, 'must be a number from 0 to 1');

/** A cron expression `@nestjs/schedule` accepts (5 or 6 fields, or a nickname such as @daily). */
export const cronExpression = z.string().trim().refine((value) => {
  try {
    new CronTime(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a cron expression, e.g. "0 3 * * *" (03:00 every day)');

/** Every environment variable the server reads, with its default. README.md lists the same set. */
export const envSchema = z
  .object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: databaseUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be a whole number from 1 to 200')
    .max(200, 'must be a whole number from 1 to 200')
    .default(10),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, underscore)')
    .default('public'),
  DATA_DIR: z.string().min(1).default('./data'),
  MODEL_DIR: z.string().min(1).default('models/default'),
  CATALOG_PATH: z.string().min(1).optional(),
  PERSONAS_PATH: z.string().min(1).optional(),
  MODEL_CONTEXT_TOKENS: z.coerce.number({ error: 'must be a whole number' }).int().min(64, 'must be at least 64').max(8192, 'must be at most 8192').default(512),
  POLICY_CONVERSATION_CACHE_MB: z.coerce.number({ error: 'must be a whole number' }).int().min(0, 'must be at least 0').max(65536, 'must be at most 65536').default(256),
  POLICY_WEIGHTS: z.enum(['auto', 'baked', 'fed', 'decode-baked'], { error: 'must be auto, baked, fed or decode-baked' }).default('auto'),
  POLICY_PRECOMPILE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  POLICY_INFERENCE_THREADS: z
    .string()
    .refine((v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 16), 'must be auto or a whole number from 1 to 16')
    .default('auto')
    .transform((v) => (v === 'auto' ? v : Number(v))),
  POLICY_MAX_BATCH: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(8),
  POLICY_MAX_QUEUE: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(10000, 'must be at most 10000').default(64),
  REPLY_MAX_TOKENS: z.coerce.number({ error: 'must be a whole number' }).int().min(8, 'must be at least 8').max(1024, 'must be at most 1024').default(120),
  GUARDRAIL_NON_ANSWER: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  GUARDRAIL_MAX_REGENERATIONS: z.coerce.number({ error: 'must be a whole number' }).int().min(0, 'must be at least 0').max(5, 'must be at most 5').default(2),
  SHUTDOWN_DRAIN_SECONDS: wholeNumber(0, 3600).default(25),
  SESSION_IDLE_MINUTES: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(10080, 'must be at most 10080').default(30),
  ATTRIBUTION_WINDOW_HOURS: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(8760, 'must be at most 8760').default(720),
  VISITOR_ID_SECRET: z.string().min(32, 'must be at least 32 characters, e.g. the output of `openssl rand -base64 32`').optional(),
  STORE_RAW_TEXT: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  RETENTION_DAYS: wholeNumber(1, 36500).optional(),
  SOCKET_IO_PATH: z.string().regex(/^\/[A-Za-z0-9_./-]*\/$/, 'must start and end with "/", e.g. /socket.io/').default('/socket.io/'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379' }).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -').default('closer'),
  SIMULATOR_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1' }).optional(),
  SIMULATOR_MODEL: z.string().min(1).optional(),
  SIMULATOR_API_KEY: z.string().min(1).optional(),
  ARTIFACT_DIR: z.string().min(1).optional(),
  TRAINING_CRON: cronExpression.default('0 3 * * *'),
  TRAINING_WORKER: z.enum(['off', 'spawn']).default('off'),
  TRAIN_DEVICE: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  TRAINING_ESTIMATOR: z.enum(['hian', 'grpo', 'session-only', 'turn-only', 'hian-batch', 'hian-position', 'mt-grpo', 'mapo']).default('hian'),
  TRAINING_STEPS: wholeNumber(1, 100000).default(70),
  TRAINING_CONTEXTS: wholeNumber(1, 1024).default(4),
  TRAINING_GROUP: wholeNumber(2, 256).default(8),
  TRAINING_EVAL_SESSIONS: wholeNumber(1, 100000).default(200),
  TRAINING_DATA_DAYS: wholeNumber(1, 365).default(1),
  TRAINING_MAX_ATTEMPTS: wholeNumber(1, 10).default(2),
  TRAINING_LORA_RANK: wholeNumber(0, 1024).default(0),
  TRAINING_LORA_TARGETS: z
    .string()
    .transform((list) => list.split(',').map((t) => t.trim()).filter(Boolean))
    .refine((targets) => targets.length > 0 && targets.every((t) => (LORA_TARGETS as readonly string[]).includes(t)), `must be a comma-separated list of ${LORA_TARGETS.join(', ')}`)
    .default(['q_proj', 'k_proj', 'v_proj', 'o_proj']),
  TRAINING_VISITOR: z.enum(VISITOR_KINDS).default('strict'),
  TRAINING_HIAN_ALPHA: hianWeight.default(1),
  TRAINING_HIAN_BETA: hianWeight.default(1),
  TRAINING_HEARTBEAT_SECONDS: wholeNumber(1, 3600).default(10),
  TRAINING_STALE_SECONDS: wholeNumber(2, 86400).default(120),
  CHAMPION_POLL_SECONDS: wholeNumber(1, 3600).default(30),
  GATE_CONVERSION_MARGIN: fraction.default(0.05),
  GATE_MAX_VIOLATIONS_INCREASE: fraction.default(0),
  GATE_MAX_REPETITION_INCREASE: fraction.default(0.01),
  GATE_MAX_IDENTITY_INCREASE: fraction.default(0.05),
  GATE_VISITORS: gateVisitors.default(['strict']),
  // The canary stage (docs/nightly.md, "Canary"): share of new sessions, the live test's margins and limits.
  CANARY_SHARE: z.coerce.number({ error: 'must be a number from 0 to 0.5' }).min(0, 'must be a number from 0 to 0.5').max(0.5, 'must be a number from 0 to 0.5').default(0.1),
  CANARY_CONVERSION_MARGIN: fraction.default(0.05),
  CANARY_GUARD_MARGIN: fraction.default(0.02),
  CANARY_MAX_SESSIONS: wholeNumber(10, 10_000_000).default(5000),
  CANARY_MAX_HOURS: wholeNumber(1, 24 * 365).default(168),
  CANARY_CHECK_MINUTES: wholeNumber(1, 1440).default(15),
  // The simulator's fidelity, measured for each served version after a nightly run (docs/nightly.md, "Simulator fidelity").
  FIDELITY_MIN_SESSIONS: wholeNumber(1, 1_000_000).default(50),
  FIDELITY_SESSIONS: wholeNumber(0, 100_000).default(200),
  // Bad input and limits (docs/security.md).
  TRUST_PROXY_HOPS: wholeNumber(0, 10).default(0),
  RATE_LIMIT_WINDOW_SECONDS: wholeNumber(1, 3600).default(60),
  RATE_LIMIT_ADMIN: wholeNumber(1, 1_000_000).default(300),
  RATE_LIMIT_WEBHOOK: wholeNumber(1, 1_000_000).default(300),
  RATE_LIMIT_HTTP: wholeNumber(1, 1_000_000).default(600),
  SOCKET_RATE_IP: wholeNumber(1, 1_000_000).default(20),
  SOCKET_BURST_IP: wholeNumber(1, 1_000_000).default(60),
  SOCKET_RATE_SESSION: wholeNumber(1, 1_000_000).default(2),
  SOCKET_BURST_SESSION: wholeNumber(1, 1_000_000).default(10),
  SOCKET_MAX_MESSAGE_BYTES: wholeNumber(4096, 10_000_000).default(65536),
}).refine((env) => !env.SIMULATOR_URL || env.SIMULATOR_MODEL, {
  path: ['SIMULATOR_MODEL'],
  message: 'is required when SIMULATOR_URL is set',
}).refine((env) => env.TRAINING_HIAN_ALPHA > 0 || env.TRAINING_HIAN_BETA > 0, {
  path: ['TRAINING_HIAN_BETA'],
  message: 'TRAINING_HIAN_ALPHA and TRAINING_HIAN_BETA must not both be 0 (every advantage would be 0)',
}).refine((env) => env.TRAINING_STALE_SECONDS > env.TRAINING_HEARTBEAT_SECONDS, {
  path: ['TRAINING_STALE_SECONDS'],
  message: 'must be longer than TRAINING_HEARTBEAT_SECONDS',
});

export type Env = z.infer<typeof envSchema>;
