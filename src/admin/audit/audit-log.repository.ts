import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditEntry } from '../entities/audit-entry.entity';

/** What an admin write did. `summary` holds the request's settings only: never keys, secrets or visitors' text. */
export interface AuditRecord {
  action: string;
  targetType: string;
  targetId: string | null;
  summary?: Record<string, unknown>;
}

/** The `admin_audit_log` table: appended to after every admin write (API or command line), never changed. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(actor: AdminActor, r: AuditRecord, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`INSERT INTO admin_audit_log (actor_key_id, actor_name, action, target_type, target_id, summary) VALUES ($1, $2, $3, $4, $5, $6)`, [
      actor.keyId,
      actor.name,
      r.action,
      r.targetType,
      r.targetId,
      JSON.stringify(r.summary ?? {}),
    ]);
  }

  query(filter: { action?: string }) {
    const qb = this.db.getRepository(AuditEntry).createQueryBuilder('e');
    if (filter.action) qb.andWhere('e.action = :action', { action: filter.action });
    return qb;
  }
}
