import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { SessionChannel } from '../sessions';
import { HandoffError } from './handoff-error';

/** `waiting`: a rule asked for a person; `active`: a person holds the session; `released`: handed back; `closed`: the session ended first. */
export type HandoffState = 'waiting' | 'active' | 'released' | 'closed';
export type OpenHandoffState = Extract<HandoffState, 'waiting' | 'active'>;
export type HandoffReason = 'visitor_request' | 'deal_value' | 'operator';

/** An API key acting as a person: its id and the name the visitor sees. */
export interface HandoffPerson {
  keyId: string | null;
  name: string;
}

/** A handoff as the admin API and the `/admin` sockets show it. */
export interface HandoffView {
  id: string;
  sessionId: string;
  state: HandoffState;
  reason: HandoffReason;
  /** The rule that asked for a person; null for an operator's own takeover. */
  ruleId: string | null;
  /** What the rule saw (the phrase, or the deal: seats, plan, value, currency); never the visitor's text. */
  details: Record<string, unknown>;
  requestedAt: Date;
  takenAt: Date | null;
  takenBy: HandoffPerson | null;
  endedAt: Date | null;
  endedBy: HandoffPerson | null;
  session: { siteKey: string; channel: SessionChannel; createdAt: Date; lastActivityAt: Date };
}

/** Where a session's visitor is connected: the widget's `/chat` room, or the Rasa client's room. */
export interface LiveSession {
  id: string;
  channel: SessionChannel;
  rasaSessionId: string | null;
}

interface HandoffRow {
  id: string;
  session_id: string;
  state: HandoffState;
  reason: HandoffReason;
  rule_id: string | null;
  details: Record<string, unknown>;
  requested_at: Date;
  taken_at: Date | null;
  taken_by_key_id: string | null;
  taken_by_name: string | null;
  ended_at: Date | null;
  ended_by_key_id: string | null;
  ended_by_name: string | null;
  site_key: string;
  channel: SessionChannel;
  session_created_at: Date;
  last_activity_at: Date;
}

const person = (keyId: string | null, name: string | null): HandoffPerson | null => (name === null ? null : { keyId, name });

const viewOf = (r: HandoffRow): HandoffView => ({
  id: r.id,
  sessionId: r.session_id,
  state: r.state,
  reason: r.reason,
  ruleId: r.rule_id,
  details: r.details,
  requestedAt: r.requested_at,
  takenAt: r.taken_at,
  takenBy: person(r.taken_by_key_id, r.taken_by_name),
  endedAt: r.ended_at,
  endedBy: person(r.ended_by_key_id, r.ended_by_name),
  session: { siteKey: r.site_key, channel: r.channel, createdAt: r.session_created_at, lastActivityAt: r.last_activity_at },
});

/** Handoff rows of `source` (the table, or a CTE of changed rows) with their session's fields. */
const viewsFrom = (source: string) => `SELECT h.*, s.site_key, s.channel, s.created_at AS session_created_at, s.last_activity_at FROM ${source} h JOIN chat_sessions s ON s.id = h.session_id`;
/** One write of handoffs rows, answered as views of the rows it wrote (TypeORM answers a bare UPDATE with [rows, count]; through a CTE it is rows). */
const changed = (write: string) => `WITH changed AS (${write} RETURNING handoffs.*) ${viewsFrom('changed')}`;
const OPEN = `h.state IN ('waiting', 'active')`;

/**
 * The `handoffs` table: who holds which session, kept in Postgres so a restarted server (or another
 * replica) knows. Writes run in the caller's transaction after `lockSession`, so two operators, or
 * an operator and a rule, never open two handoffs for one session.
 */
@Injectable()
export class HandoffRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Locks an active session for a handoff change; `unknown_session` or `session_closed` otherwise. */
  async lockSession(tx: EntityManager, sessionId: string): Promise<LiveSession> {
    const rows: { id: string; channel: SessionChannel; status: string; rasa_session_id: string | null }[] = z.uuid().safeParse(sessionId).success
      ? await tx.query(`SELECT id, channel, status, metadata->>'rasaSessionId' AS rasa_session_id FROM chat_sessions WHERE id = $1 FOR UPDATE`, [sessionId])
      : [];
    const row = rows[0];
    if (!row) throw new HandoffError('unknown_session', `no session ${sessionId}`);
    if (row.status !== 'active') throw new HandoffError('session_closed', `the session has ${row.status === 'ended' ? 'ended' : 'timed out'}`);
    return { id: row.id, channel: row.channel, rasaSessionId: row.rasa_session_id };
  }

  /** The session's open handoff (waiting or active), if any. */
  async open(sessionId: string, manager: EntityManager = this.db.manager): Promise<HandoffView | undefined> {
    const rows: HandoffRow[] = await manager.query(`${viewsFrom('handoffs')} WHERE h.session_id = $1 AND ${OPEN}`, [sessionId]);
    return rows[0] && viewOf(rows[0]);
  }

  /** The rules that requested a handoff in this session, whether one is open now, and whether a person holds it. */
  async ofSession(sessionId: string): Promise<{ open: boolean; held: boolean; firedRules: Set<string> }> {
    const rows: { rule_id: string | null; state: HandoffState }[] = await this.db.query(`SELECT rule_id, state FROM handoffs WHERE session_id = $1`, [sessionId]);
    return {
      open: rows.some((r) => r.state === 'waiting' || r.state === 'active'),
      held: rows.some((r) => r.state === 'active'),
      firedRules: new Set(rows.flatMap((r) => (r.rule_id ? [r.rule_id] : []))),
    };
  }

  /** Open handoffs of active sessions, oldest request first (a handful at a time: one per live session at most). */
  async listOpen(state?: OpenHandoffState): Promise<HandoffView[]> {
    const rows: HandoffRow[] = await this.db.query(`${viewsFrom('handoffs')} WHERE ${state ? 'h.state = $1' : OPEN} AND s.status = 'active' ORDER BY h.requested_at, h.id`, state ? [state] : []);
    return rows.map(viewOf);
  }

  async request(tx: EntityManager, sessionId: string, r: { reason: HandoffReason; ruleId: string; details: Record<string, unknown> }): Promise<HandoffView> {
    return this.one(tx, changed(`INSERT INTO handoffs (session_id, state, reason, rule_id, details) VALUES ($1, 'waiting', $2, $3, $4)`), [sessionId, r.reason, r.ruleId, JSON.stringify(r.details)]);
  }

  /** Closes a request that is still waiting (nobody took it); undefined when someone took it meanwhile. */
  async withdraw(tx: EntityManager, handoffId: string): Promise<HandoffView | undefined> {
    const rows: HandoffRow[] = await tx.query(changed(`UPDATE handoffs SET state = 'closed', ended_at = now() WHERE id = $1 AND state = 'waiting'`), [handoffId]);
    return rows[0] && viewOf(rows[0]);
  }

  /** A person takes the session: its waiting handoff becomes active, or an operator's own handoff is opened active. */
  async take(tx: EntityManager, sessionId: string, waiting: HandoffView | undefined, by: HandoffPerson): Promise<HandoffView> {
    if (waiting) return this.one(tx, changed(`UPDATE handoffs SET state = 'active', taken_at = now(), taken_by_key_id = $2, taken_by_name = $3 WHERE id = $1`), [waiting.id, by.keyId, by.name]);
    return this.one(tx, changed(`INSERT INTO handoffs (session_id, state, reason, taken_at, taken_by_key_id, taken_by_name) VALUES ($1, 'active', 'operator', now(), $2, $3)`), [sessionId, by.keyId, by.name]);
  }

  async release(tx: EntityManager, id: string, by: HandoffPerson): Promise<HandoffView> {
    return this.one(tx, changed(`UPDATE handoffs SET state = 'released', ended_at = now(), ended_by_key_id = $2, ended_by_name = $3 WHERE id = $1`), [id, by.keyId, by.name]);
  }

  /** Closes the open handoffs of sessions that ended or timed out; returns them. */
  async closeEnded(): Promise<HandoffView[]> {
    const rows: HandoffRow[] = await this.db.query(
      changed(`UPDATE handoffs SET state = 'closed', ended_at = now() FROM chat_sessions s
                WHERE s.id = handoffs.session_id AND s.status <> 'active' AND handoffs.state IN ('waiting', 'active')`),
    );
    return rows.map(viewOf);
  }

  private async one(tx: EntityManager, sql: string, params: unknown[]): Promise<HandoffView> {
    const rows: HandoffRow[] = await tx.query(sql, params);
    return viewOf(rows[0]);
  }
}
