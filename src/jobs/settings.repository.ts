import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The admin setting that overrides TRAINING_CRON. */
export const TRAINING_CRON_SETTING = 'training.cron';

/** Admin settings (key → JSON value) that override environment defaults at run time. */
@Injectable()
export class SettingsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async get<T>(key: string): Promise<T | undefined> {
    const [row] = await this.db.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return row?.value as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }

  async clear(key: string): Promise<void> {
    await this.db.query(`DELETE FROM settings WHERE key = $1`, [key]);
  }
}
