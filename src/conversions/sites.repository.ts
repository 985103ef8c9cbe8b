import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface Site {
  siteKey: string;
  name: string;
  webhookSecret: string;
}

/** Registered customer sites. The webhook secret is returned to the caller once, at creation. */
@Injectable()
export class SitesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(siteKey: string, name: string): Promise<Site> {
    const webhookSecret = randomBytes(32).toString('base64url');
    await this.db.query(`INSERT INTO sites (site_key, name, webhook_secret) VALUES ($1, $2, $3)`, [siteKey, name, webhookSecret]);
    return { siteKey, name, webhookSecret };
  }

  async find(siteKey: string): Promise<Site | undefined> {
    const [row] = await this.db.query(`SELECT site_key, name, webhook_secret FROM sites WHERE site_key = $1`, [siteKey]);
    return row ? { siteKey: row.site_key, name: row.name, webhookSecret: row.webhook_secret } : undefined;
  }
}
