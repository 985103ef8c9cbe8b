import { Body, Get, HttpStatus, Inject, Put } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppConfig, NightlyConfig } from '../../config';
import { httpError, validated } from '../../http';
import { AdminSettingName, adminSettingNames, adminSettings, SettingsRepository } from '../../jobs';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody } from '../openapi';

/** A partial update: a value sets the admin setting, `null` resets it to the environment default, an omitted one is left alone. */
const updateBody = z
  .object(Object.fromEntries(adminSettingNames.map((name) => [name, adminSettings[name].schema.nullable().optional()])) as Record<string, z.ZodType>)
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), `name at least one setting: ${adminSettingNames.join(', ')}`);

/**
 * Settings that override environment defaults at run time: the nightly schedule (TRAINING_CRON), the
 * promotion gate's thresholds (GATE_*) and DuCA's HIAN weights α/β (TRAINING_HIAN_*). Runs created
 * after a change use the new values and store them.
 */
@AdminController('settings', 'settings')
export class SettingsController {
  private readonly audit: AuditLogRepository;
  private readonly env: NightlyConfig;

  constructor(
    private readonly settings: SettingsRepository,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.audit = new AuditLogRepository(db);
    this.env = config.get('nightly', { infer: true });
  }

  @Get()
  @ApiOperation({ summary: 'each setting: the value in force, its source (admin or environment), the environment variable and its value' })
  get() {
    return this.settings.effective(this.env);
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'set some settings; null resets one to its environment default; returns every setting as GET does' })
  @ApiZodBody(updateBody)
  async update(@Actor() actor: AdminActor, @Body() body: unknown) {
    const changes = validated(updateBody, body ?? {}) as Partial<Record<AdminSettingName, unknown>>;
    await this.assertHianWeights(changes);
    await this.db.transaction(async (tx) => {
      for (const name of adminSettingNames) {
        const value = changes[name];
        if (value === null) await this.settings.clear(adminSettings[name].key, tx);
        else if (value !== undefined) await this.settings.set(adminSettings[name].key, value, tx);
      }
      await this.audit.record(actor, { action: 'settings.update', targetType: 'settings', targetId: null, summary: changes }, tx);
    });
    return this.settings.effective(this.env);
  }

  /** α = β = 0 would give every turn a zero advantage (a run would train nothing): refused, whichever of the two the update names. */
  private async assertHianWeights(changes: Partial<Record<AdminSettingName, unknown>>): Promise<void> {
    if (changes.hianAlpha === undefined && changes.hianBeta === undefined) return;
    const current = await this.settings.effective(this.env);
    const after = (name: 'hianAlpha' | 'hianBeta') => (changes[name] === undefined ? current[name].value : (changes[name] ?? current[name].environmentValue));
    if (after('hianAlpha') === 0 && after('hianBeta') === 0) {
      throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', 'hianAlpha, hianBeta: hianAlpha and hianBeta must not both be 0 (every advantage would be 0)');
    }
  }
}
