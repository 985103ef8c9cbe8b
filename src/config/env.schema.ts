import { z } from 'zod';

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
  POLICY_MAX_BATCH: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(8),
  POLICY_MAX_QUEUE: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(10000, 'must be at most 10000').default(64),
  REPLY_MAX_TOKENS: z.coerce.number({ error: 'must be a whole number' }).int().min(8, 'must be at least 8').max(1024, 'must be at most 1024').default(120),
  GUARDRAIL_MAX_REGENERATIONS: z.coerce.number({ error: 'must be a whole number' }).int().min(0, 'must be at least 0').max(5, 'must be at most 5').default(2),
  SESSION_IDLE_MINUTES: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(10080, 'must be at most 10080').default(30),
  ATTRIBUTION_WINDOW_HOURS: z.coerce.number({ error: 'must be a whole number' }).int().min(1, 'must be at least 1').max(8760, 'must be at most 8760').default(720),
  SOCKET_IO_PATH: z.string().regex(/^\/[A-Za-z0-9_./-]*\/$/, 'must start and end with "/", e.g. /socket.io/').default('/socket.io/'),
  SIMULATOR_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1' }).optional(),
  SIMULATOR_MODEL: z.string().min(1).optional(),
  SIMULATOR_API_KEY: z.string().min(1).optional(),
}).refine((env) => !env.SIMULATOR_URL || env.SIMULATOR_MODEL, {
  path: ['SIMULATOR_MODEL'],
  message: 'is required when SIMULATOR_URL is set',
});

export type Env = z.infer<typeof envSchema>;
