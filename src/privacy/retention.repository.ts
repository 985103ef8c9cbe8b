import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminActor, AuditLogRepository, ErasedRows, ErasureRepository } from '../admin';

/** Who deleted, in the audit log: no key and no person, the configured limit. */
const RETENTION_ACTOR: AdminActor = { keyId: null, name: 'retention', role: 'admin' };

/**
 * The sweep's advisory lock, one per Closer schema: replicas of one deployment take turns, two
 * deployments sharing a database do not wait for each other.
 */
export const RETENTION_LOCK_KEY = `hashtext('closer.retention:' || current_schema())`;

export interface ExpiredBatch extends ErasedRows {
  sessions: number;
}

/** Sessions past the retention limit, deleted the way an erasure deletes them. */
@Injectable()
export class RetentionRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly erasures: ErasureRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  /**
   * In one transaction: up to `limit` sessions whose last turn is more than `days` days old, oldest
   * first, with every row referencing them and what was derived from them (ErasureRepository), and
   * an audit entry with the counts. `locked`: another replica is sweeping (nothing was done).
   */
  async expireBatch(days: number, limit: number): Promise<ExpiredBatch | 'locked'> {
    return this.db.transaction(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) AS locked`);
      if (!locked) return 'locked';
      // A session whose turn is being stored right now is busy, hence not expired: skipped rather than waited for.
      const rows: { id: string }[] = await tx.query(
        `SELECT id FROM chat_sessions WHERE last_activity_at < now() - make_interval(days => $1)
          ORDER BY last_activity_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [days, limit],
      );
      if (rows.length === 0) return { sessions: 0, deleted: {}, scrubbed: {} };
      const erased = await this.erasures.erase(tx, rows.map((r) => r.id));
      const batch: ExpiredBatch = { sessions: rows.length, ...erased };
      await this.audit.record(RETENTION_ACTOR, { action: 'visitor_data.expire', targetType: 'retention', targetId: null, summary: { retentionDays: days, ...batch } }, tx);
      return batch;
    });
  }
}
