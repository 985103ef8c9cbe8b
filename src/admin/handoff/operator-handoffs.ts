import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HandoffError, handoffNotices, HandoffRepository, HandoffService, HandoffView, LiveEvents, liveTurnView } from '../../handoff';
import { ChatMetrics } from '../../metrics';
import { ChatSessionRepository } from '../../sessions';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';

/**
 * What an operator does to a live session: take it over, write to the visitor, hand it back. Each
 * change, its notice to the visitor and its audit entry commit together with the session row locked
 * (two operators racing: one wins, the other gets `already_taken`); the sockets hear of it after.
 * The holder is the API key that took the session.
 */
@Injectable()
export class OperatorHandoffs {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly handoffs: HandoffRepository,
    private readonly sessions: ChatSessionRepository,
    private readonly service: HandoffService,
    private readonly events: LiveEvents,
    private readonly audit: AuditLogRepository,
    private readonly metrics: ChatMetrics,
  ) {}

  /** The agent stops replying (a reply streaming now is stopped); the visitor is told `name` joined. Taking a session one already holds changes nothing. */
  async takeOver(actor: AdminActor, sessionId: string, displayName: string | undefined): Promise<HandoffView> {
    const name = displayName ?? actor.name;
    const taken = await this.db.transaction(async (tx) => {
      const session = await this.handoffs.lockSession(tx, sessionId);
      const open = await this.handoffs.open(sessionId, tx);
      if (open?.state === 'active') {
        if (open.takenBy?.keyId === actor.keyId) return { handoff: open, changed: undefined };
        throw new HandoffError('already_taken', `${open.takenBy?.name} holds this session; they hand it back first`);
      }
      const handoff = await this.handoffs.take(tx, sessionId, open, { keyId: actor.keyId, name });
      const notice = await this.sessions.addHandoffTurn(tx, sessionId, { role: 'system', text: handoffNotices.joined(name) });
      await this.audit.record(
        actor,
        { action: 'handoff.takeover', targetType: 'session', targetId: sessionId, summary: { handoffId: handoff.id, reason: handoff.reason, ruleId: handoff.ruleId, displayName: name } },
        tx,
      );
      return { handoff, changed: { session, notice } };
    });
    if (taken.changed) this.service.announce(taken.changed.session, taken.handoff, 'taken', taken.changed.notice);
    return taken.handoff;
  }

  /** A message from the person holding the session, to the visitor, stored as a `person` turn under the name they took it with. */
  async send(actor: AdminActor, sessionId: string, text: string) {
    const sent = await this.db.transaction(async (tx) => {
      const session = await this.handoffs.lockSession(tx, sessionId);
      const holder = this.holderOf(await this.handoffs.open(sessionId, tx), actor, 'write to the visitor');
      const turn = await this.sessions.addHandoffTurn(tx, sessionId, { role: 'person', text, authorKeyId: actor.keyId, authorName: holder.name });
      // Never the text: the audit log keeps who wrote, where and how much.
      await this.audit.record(actor, { action: 'handoff.message', targetType: 'session', targetId: sessionId, summary: { turnId: turn.id, characters: text.length } }, tx);
      return { session, turn };
    });
    this.metrics.turnStored('person');
    this.events.publish({ type: 'turn', sessionId, turn: sent.turn });
    this.events.publish({ type: 'person', session: sent.session, turn: sent.turn });
    return liveTurnView(sessionId, sent.turn);
  }

  /** Hands the session back to the agent, which answers the visitor's next message. The holder may, and an admin key (someone left a session held). */
  async release(actor: AdminActor, sessionId: string): Promise<HandoffView> {
    const released = await this.db.transaction(async (tx) => {
      const session = await this.handoffs.lockSession(tx, sessionId);
      const open = await this.handoffs.open(sessionId, tx);
      const holder = actor.role === 'admin' && open?.state === 'active' ? open.takenBy! : this.holderOf(open, actor, 'hand it back');
      const handoff = await this.handoffs.release(tx, open!.id, { keyId: actor.keyId, name: actor.name });
      const notice = await this.sessions.addHandoffTurn(tx, sessionId, { role: 'system', text: handoffNotices.left(holder.name) });
      await this.audit.record(
        actor,
        { action: 'handoff.release', targetType: 'session', targetId: sessionId, summary: { handoffId: handoff.id, heldBy: holder.name, byHolder: holder.keyId === actor.keyId } },
        tx,
      );
      return { session, handoff, notice };
    });
    this.service.announce(released.session, released.handoff, 'released', released.notice);
    return released.handoff;
  }

  /** The person holding the session, when it is the caller; `not_taken` otherwise. */
  private holderOf(open: HandoffView | undefined, actor: AdminActor, what: string) {
    if (open?.state !== 'active') throw new HandoffError('not_taken', `no person holds this session; take it over to ${what}`);
    if (open.takenBy?.keyId !== actor.keyId) throw new HandoffError('not_taken', `${open.takenBy?.name} holds this session; only they can ${what}`);
    return open.takenBy;
  }
}
