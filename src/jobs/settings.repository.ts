import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { NightlyConfig } from '../config';
import { cronExpression } from '../config/env.schema';
import { VISITOR_KINDS, VisitorKind } from '../simulator/visitor-model';

/** The admin setting that overrides TRAINING_CRON. */
export const TRAINING_CRON_SETTING = 'training.cron';

type GateField = keyof NightlyConfig['gate'];
const gateFraction = (name: string) => z.number(`${name} must be a number`).min(0, `${name} must be from 0 to 1`).max(1, `${name} must be from 0 to 1`);
const gateSetting = (field: GateField, env: string) => ({
  key: `gate.${field}`,
  env,
  schema: gateFraction(field),
  read: (c: NightlyConfig) => c.gate[field],
  apply: (c: NightlyConfig, v: unknown): NightlyConfig => ({ ...c, gate: { ...c.gate, [field]: v as number } }),
});

type HianField = keyof NightlyConfig['hian'];
const hianSetting = (field: HianField, name: string, env: string) => ({
  key: `training.${name}`,
  env,
  schema: z.number(`${name} must be a number`).min(0, `${name} must be from 0 to 10`).max(10, `${name} must be from 0 to 10`),
  read: (c: NightlyConfig) => c.hian[field],
  apply: (c: NightlyConfig, v: unknown): NightlyConfig => ({ ...c, hian: { ...c.hian, [field]: v as number } }),
});

/**
 * The admin settings (by API name): the `settings` row that stores each, the environment variable it
 * overrides, how its value is checked, and where it sits in the nightly config.
 */
export const adminSettings = {
  trainingCron: {
    key: TRAINING_CRON_SETTING,
    env: 'TRAINING_CRON',
    schema: z.string('trainingCron must be a string').trim().refine((v) => cronExpression.safeParse(v).success, 'trainingCron must be a cron expression, e.g. "0 3 * * *" (03:00 every day)'),
    read: (c: NightlyConfig) => c.cron,
    apply: (c: NightlyConfig, v: unknown): NightlyConfig => ({ ...c, cron: v as string }),
  },
  conversionMargin: gateSetting('conversionMargin', 'GATE_CONVERSION_MARGIN'),
  maxViolationsIncrease: gateSetting('maxViolationsIncrease', 'GATE_MAX_VIOLATIONS_INCREASE'),
  maxRepetitionIncrease: gateSetting('maxRepetitionIncrease', 'GATE_MAX_REPETITION_INCREASE'),
  maxIdentityIncrease: gateSetting('maxIdentityIncrease', 'GATE_MAX_IDENTITY_INCREASE'),
  hianAlpha: hianSetting('alpha', 'hianAlpha', 'TRAINING_HIAN_ALPHA'),
  hianBeta: hianSetting('beta', 'hianBeta', 'TRAINING_HIAN_BETA'),
  trainingVisitor: {
    key: 'training.visitor',
    env: 'TRAINING_VISITOR',
    schema: z.enum(VISITOR_KINDS, `trainingVisitor must be one of ${VISITOR_KINDS.join(', ')}`),
    read: (c: NightlyConfig) => c.visitor,
    apply: (c: NightlyConfig, v: unknown): NightlyConfig => ({ ...c, visitor: v as VisitorKind }),
  },
  gateVisitors: {
    key: 'gate.visitors',
    env: 'GATE_VISITORS',
    schema: z
      .array(z.enum(VISITOR_KINDS, `gateVisitors must list only ${VISITOR_KINDS.join(', ')}`), 'gateVisitors must be a list of visitor kinds')
      .refine((kinds) => kinds.includes('strict'), 'gateVisitors must include strict (what the gate judges conversion on)')
      .transform((kinds) => [...new Set(kinds)]),
    read: (c: NightlyConfig) => c.gateVisitors,
    apply: (c: NightlyConfig, v: unknown): NightlyConfig => ({ ...c, gateVisitors: v as VisitorKind[] }),
  },
};
export type AdminSettingName = keyof typeof adminSettings;
export const adminSettingNames = Object.keys(adminSettings) as AdminSettingName[];

export interface EffectiveSetting {
  value: unknown;
  source: 'admin' | 'environment';
  env: string;
  /** The environment default, in force again once the admin value is reset. */
  environmentValue: unknown;
}

/** Admin settings (key → JSON value) that override environment defaults at run time. */
@Injectable()
export class SettingsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async get<T>(key: string): Promise<T | undefined> {
    const [row] = await this.db.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return row?.value as T | undefined;
  }

  async set(key: string, value: unknown, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }

  async clear(key: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`DELETE FROM settings WHERE key = $1`, [key]);
  }

  /** Each admin setting's value in force and where it comes from; a stored value that fails its check is ignored. */
  async effective(env: NightlyConfig): Promise<Record<AdminSettingName, EffectiveSetting>> {
    const rows: { key: string; value: unknown }[] = await this.db.query(`SELECT key, value FROM settings WHERE key = ANY($1)`, [adminSettingNames.map((n) => adminSettings[n].key)]);
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    const entries = adminSettingNames.map((name) => {
      const s = adminSettings[name];
      const parsed = stored.has(s.key) ? s.schema.safeParse(stored.get(s.key)) : undefined;
      const admin = parsed?.success === true;
      return [name, { value: admin ? parsed.data : s.read(env), source: admin ? 'admin' : 'environment', env: s.env, environmentValue: s.read(env) }] as const;
    });
    return Object.fromEntries(entries) as Record<AdminSettingName, EffectiveSetting>;
  }

  /** The nightly config with the admin settings applied over the environment's: what a run created now uses. */
  async nightlyConfig(env: NightlyConfig): Promise<NightlyConfig> {
    const effective = await this.effective(env);
    return adminSettingNames.reduce((c, name) => (effective[name].source === 'admin' ? adminSettings[name].apply(c, effective[name].value) : c), env);
  }
}
