import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { HistoryTurn } from '../scoring';
import { ChatSessionRepository, Turn } from '../sessions';
import { HandoffError } from './handoff-error';
import { HandoffRule, PhraseMatchers, requestedHandoff } from './handoff-rules';
import { HandoffRulesRepository } from './handoff-rules.repository';
import { HandoffRepository, HandoffView, LiveSession } from './handoff.repository';
import { LiveEvents, VisitorSideState } from './live-events';

/** What the visitor is told, as stored system turns: honest about who answers. */
/** A request for a person a visitor message opened: the handoff and the notice stored with it. */
export interface OpenedHandoff {
  handoffId: string;
  noticeTurnId: string;
}

export const handoffNotices = {
  waiting: "I've asked a person from our team to join this chat. Until they do, I'm an AI assistant and I can keep answering your questions.",
  joined: (name: string) => `${name}, a person from our team, has joined the chat.`,
  left: (name: string) => `${name} has left the chat. You're chatting with our AI assistant again.`,
};

/**
 * The chat side of live takeover: the rules that ask for a person on a visitor message, whether a
 * person holds a session (the turn loop writes no reply then), and the announcements every change
 * makes (a stored notice for the visitor, events for the sockets).
 */
@Injectable()
export class HandoffService {
  private readonly logger = new Logger(HandoffService.name);
  private readonly phrases = new PhraseMatchers();
  /** The rules as last read, and their revision (`handoff_rules_revision`): read again only when it moved. */
  private rulesRead: { revision: number; rules: Promise<HandoffRule[]> } | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly handoffs: HandoffRepository,
    private readonly rules: HandoffRulesRepository,
    private readonly sessions: ChatSessionRepository,
    private readonly events: LiveEvents,
  ) {}

  /** Who answers the visitor now, and the person's name when one does (a resumed widget shows it). */
  async visitorSide(sessionId: string): Promise<{ state: VisitorSideState; name: string | null }> {
    const open = await this.handoffs.open(sessionId);
    if (!open) return { state: 'agent', name: null };
    return open.state === 'active' ? { state: 'person', name: open.takenBy!.name } : { state: 'waiting', name: null };
  }

  /**
   * A visitor's new message (the last of `history`), with the session's handoffs read once: whether a
   * person holds the session (then the AI does not answer), and unless `checkRules` is false (a
   * retried message was checked when first stored), the rules: when one fires and no handoff is
   * open, the session waits for a person, the visitor is told, and the dashboards hear of it.
   */
  async onVisitorMessage(
    sessionId: string,
    history: HistoryTurn[],
    catalog: ProductCatalog,
    checkRules: boolean,
    rulesRevision: number,
  ): Promise<{ heldByPerson: boolean; opened?: OpenedHandoff }> {
    const [rules, handoffs] = await Promise.all([checkRules ? this.rulesAt(rulesRevision) : [], this.handoffs.ofSession(sessionId)]);
    if (handoffs.held) return { heldByPerson: true };
    return { heldByPerson: false, opened: handoffs.open ? undefined : await this.requestIfAsked(sessionId, history, catalog, rules, handoffs.firedRules) };
  }

  /**
   * The rules at `revision` (read by the turn with its session). Read after the revision, so they
   * may be newer than it, never older: the next turn's revision then reads them again.
   */
  private rulesAt(revision: number): Promise<HandoffRule[]> {
    if (this.rulesRead?.revision !== revision) {
      const rules = this.rules.list();
      this.rulesRead = { revision, rules };
      rules.catch(() => {
        if (this.rulesRead?.rules === rules) this.rulesRead = undefined;
      });
    }
    return this.rulesRead.rules;
  }

  private async requestIfAsked(sessionId: string, history: HistoryTurn[], catalog: ProductCatalog, rules: HandoffRule[], firedRules: Set<string>): Promise<OpenedHandoff | undefined> {
    if (!rules.some((r) => r.enabled)) return undefined;
    const request = requestedHandoff(rules, history, catalog, firedRules, this.phrases);
    if (!request) return undefined;
    const requested = await this.db.transaction(async (tx) => {
      const session = await this.handoffs.lockSession(tx, sessionId);
      // Another message or an operator may have opened one since the check above.
      if (await this.handoffs.open(sessionId, tx)) return undefined;
      const handoff = await this.handoffs.request(tx, sessionId, request);
      const notice = await this.sessions.addHandoffTurn(tx, sessionId, { role: 'system', text: handoffNotices.waiting });
      return { session, handoff, notice };
    }).catch((err: unknown) => {
      // The session closed meanwhile: nobody is left to ask for.
      if (err instanceof HandoffError) return undefined;
      throw err;
    });
    if (!requested) return undefined;
    this.announce(requested.session, requested.handoff, 'waiting', requested.notice);
    return { handoffId: requested.handoff.id, noticeTurnId: requested.notice.id };
  }

  /**
   * Takes back a request the message that opened it no longer stands behind (the message was
   * refused `busy` and withdrawn): closed with its notice, unless a person took it meanwhile.
   */
  async withdrawRequest(sessionId: string, opened: OpenedHandoff): Promise<void> {
    const withdrawn = await this.db.transaction(async (tx) => {
      await this.handoffs.lockSession(tx, sessionId);
      const handoff = await this.handoffs.withdraw(tx, opened.handoffId);
      if (handoff) await tx.query(`DELETE FROM turns WHERE id = $1 AND role = 'system'`, [opened.noticeTurnId]);
      return handoff;
    });
    if (withdrawn) this.events.publish({ type: 'handoff', change: 'closed', handoff: withdrawn });
  }

  /** Closes the open handoffs of sessions that ended or timed out, and tells the dashboards. */
  async closeEnded(): Promise<void> {
    for (const handoff of await this.handoffs.closeEnded()) this.events.publish({ type: 'handoff', change: 'closed', handoff });
  }

  /** Tells everyone of a stored change: the notice to watchers and the visitor, the handoff to every dashboard. */
  announce(session: LiveSession, handoff: HandoffView, change: 'waiting' | 'taken' | 'released', notice: Turn): void {
    const state: VisitorSideState = change === 'taken' ? 'person' : change === 'waiting' ? 'waiting' : 'agent';
    this.logger.log({ sessionId: session.id, handoffId: handoff.id, change, reason: handoff.reason }, `handoff ${change}`);
    this.events.publish({ type: 'turn', sessionId: session.id, turn: notice });
    this.events.publish({ type: 'state', session, state, name: state === 'person' ? handoff.takenBy!.name : null, notice });
    this.events.publish({ type: 'handoff', change, handoff });
  }
}
