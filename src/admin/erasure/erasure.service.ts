import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TurnLoop } from '../../chat';
import { SessionLock } from '../../cluster';
import { httpError } from '../../http';
import { REPLY_POLICY, ReplyPolicy } from '../../policy';
import { ChatSessionRepository, SessionSelector, VisitorIds, VisitorIdsDisabledError } from '../../sessions';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { ErasureRepository } from './erasure.repository';

/** What to erase: one session, or every session a site's visitor had (by the identifier the site passed to the widget). */
export type ErasureTarget = { sessionId: string } | { siteKey: string; visitorId: string };

/** The erasure's answer, and its audit entry's summary (no identifier, no text: counts only). */
export interface ErasureReport {
  erasureId: string;
  by: 'session' | 'visitor';
  sessions: number;
  /** Of those, the sessions that were live: ended before their rows went. */
  liveSessionsEnded: number;
  deleted: Record<string, number>;
  scrubbed: Record<string, number>;
}

/** Why a reply streaming for a session was stopped, sent to every replica once its rows are gone. */
const SESSION_ERASED = 'session_erased';

/**
 * GDPR art. 17 erasure: live sessions are ended first (a reply streaming for one stops at once and
 * is not stored), then, in one transaction with the audit entry, the sessions are locked and their
 * rows, everything referencing them and what was derived from them are removed. Last, every replica
 * is told: a reply still streaming for an erased session stops, whatever its status said, and what
 * the replica keeps in memory for it (the policy's cache) is dropped.
 */
@Injectable()
export class ErasureService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: ChatSessionRepository,
    private readonly visitors: VisitorIds,
    private readonly turns: TurnLoop,
    private readonly erasures: ErasureRepository,
    private readonly audit: AuditLogRepository,
    private readonly lock: SessionLock,
    @Inject(REPLY_POLICY) policy: ReplyPolicy,
  ) {
    // The lock's stop reaches every replica (the turn loop aborts the reply there itself).
    lock.onStop((sessionId, reason) => {
      if (reason === SESSION_ERASED) policy.forget?.(sessionId);
    });
  }

  async erase(actor: AdminActor, target: ErasureTarget): Promise<ErasureReport> {
    const by = 'sessionId' in target ? 'session' : 'visitor';
    const selector = this.selector(target);
    const found = await this.sessions.findForErasure(selector);
    if (found.length === 0) throw this.notFound(target);
    const live = new Set(found.filter((s) => s.status === 'active').map((s) => s.id));
    for (const id of live) await this.turns.endSession(id);

    const erasureId = randomUUID();
    const { report, erased } = await this.db.transaction(async (tx) => {
      // Locked: a turn being stored waits for the commit, then finds its session gone (session_closed).
      const sessions = await this.sessions.findForErasure(selector, tx, { lock: true });
      if (sessions.length === 0) throw this.notFound(target);
      const liveMeanwhile = sessions.filter((s) => s.status === 'active' && !live.has(s.id)).map((s) => s.id);
      const rows = await this.erasures.erase(tx, sessions.map((s) => s.id));
      const report: ErasureReport = { erasureId, by, sessions: sessions.length, liveSessionsEnded: live.size + liveMeanwhile.length, ...rows };
      const { erasureId: _, ...summary } = report;
      await this.audit.record(actor, { action: 'visitor_data.erase', targetType: 'erasure', targetId: erasureId, summary: { ...summary } }, tx);
      return { report, erased: sessions.map((s) => s.id) };
    });
    // Also a session the visitor started between the two looks, and one closed while its reply streamed.
    for (const id of erased) this.lock.stop(id, SESSION_ERASED);
    return report;
  }

  private selector(target: ErasureTarget): SessionSelector {
    if ('sessionId' in target) return { sessionId: target.sessionId };
    try {
      return { visitorHash: this.visitors.hash(target.siteKey, target.visitorId) };
    } catch (err) {
      if (err instanceof VisitorIdsDisabledError) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', `visitorId: ${err.message}; erase by sessionId`);
      throw err;
    }
  }

  private notFound(target: ErasureTarget) {
    return 'sessionId' in target
      ? httpError(HttpStatus.NOT_FOUND, 'unknown_session', `no session ${target.sessionId}`)
      : httpError(HttpStatus.NOT_FOUND, 'unknown_visitor', `no session of this visitor on site ${target.siteKey}`);
  }
}
