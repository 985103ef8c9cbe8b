import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminRole } from '../roles';
import { AdminActor, ApiKeysRepository, ApiKeyView } from './api-keys.repository';

/** Key changes with their audit entries, stored together or not at all (the API and the command line alike). */
@Injectable()
export class ApiKeyManager {
  private readonly keys: ApiKeysRepository;
  private readonly audit: AuditLogRepository;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.keys = new ApiKeysRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  create(actor: AdminActor, name: string, role: AdminRole): Promise<ApiKeyView & { key: string }> {
    return this.db.transaction(async (tx) => {
      const created = await this.keys.create(name, role, tx);
      // The summary names the key by prefix: never the key itself.
      await this.audit.record(actor, { action: 'api_key.create', targetType: 'api_key', targetId: created.id, summary: { name, role, prefix: created.prefix } }, tx);
      return created;
    });
  }

  revoke(actor: AdminActor, id: string): Promise<ApiKeyView> {
    return this.db.transaction(async (tx) => {
      const revoked = await this.keys.revoke(id, tx);
      await this.audit.record(actor, { action: 'api_key.revoke', targetType: 'api_key', targetId: revoked.id, summary: { name: revoked.name, prefix: revoked.prefix } }, tx);
      return revoked;
    });
  }
}
