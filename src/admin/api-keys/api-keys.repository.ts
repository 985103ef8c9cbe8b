import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { generateApiKey, hashApiKey, looksLikeApiKey } from '../api-key-secret';
import { ApiKey } from '../entities/api-key.entity';
import { AdminRole } from '../roles';

/** Who made an admin request: what the guard attaches and the audit log records. */
export interface AdminActor {
  /** null: the command line (no key involved). */
  keyId: string | null;
  name: string;
  role: AdminRole;
}

/** A key as listed: never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: AdminRole;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const apiKeyView = (k: ApiKey): ApiKeyView => ({ id: k.id, name: k.name, role: k.role, prefix: k.keyPrefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt });

/** A key request that cannot be honoured; nothing was changed. */
export class ApiKeyError extends Error {
  constructor(
    readonly code: 'unknown_api_key' | 'already_revoked',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

/** The `api_keys` table: keys are stored as SHA-256 hashes and revoked, never deleted (the audit log names them). */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Creates a key; the returned `key` is the only time it exists outside the caller's hands. */
  async create(name: string, role: AdminRole, manager: EntityManager = this.db.manager): Promise<ApiKeyView & { key: string }> {
    const { key, hash, prefix } = generateApiKey();
    const row = await manager.getRepository(ApiKey).save({ name, role, keyHash: hash, keyPrefix: prefix });
    const stored = await manager.getRepository(ApiKey).findOneByOrFail({ id: row.id });
    return { ...apiKeyView(stored), key };
  }

  /** The actor behind a presented key, stamping its use; undefined for an unknown or revoked key. */
  async authenticate(presented: string): Promise<AdminActor | undefined> {
    if (!looksLikeApiKey(presented)) return undefined;
    // One round trip: the lookup by hash and the last_used_at stamp. TypeORM answers UPDATE … RETURNING with [rows, count].
    const [rows]: [{ id: string; name: string; role: AdminRole }[]] = await this.db.query(
      `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, role`,
      [hashApiKey(presented)],
    );
    const row = rows[0];
    return row && { keyId: row.id, name: row.name, role: row.role };
  }

  async find(id: string, manager: EntityManager = this.db.manager): Promise<ApiKey> {
    const row = z.uuid().safeParse(id).success ? await manager.getRepository(ApiKey).findOneBy({ id }) : null;
    if (!row) throw new ApiKeyError('unknown_api_key', `no API key ${id}`);
    return row;
  }

  /** Revokes a key: the next request with it is 401. */
  async revoke(id: string, manager: EntityManager = this.db.manager): Promise<ApiKeyView> {
    const key = await this.find(id, manager);
    if (key.revokedAt) throw new ApiKeyError('already_revoked', `API key ${key.name} (${key.keyPrefix}…) was already revoked`);
    await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
    return apiKeyView(await this.find(id, manager));
  }

  list(): Promise<ApiKey[]> {
    return this.db.getRepository(ApiKey).find({ order: { createdAt: 'DESC' } });
  }

  /** Every key, for a page of the listing. */
  query() {
    return this.db.getRepository(ApiKey).createQueryBuilder('k');
  }
}
