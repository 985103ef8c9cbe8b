import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Database } from '../database';
import { SessionChannel } from '../sessions';

/** A visitor message nobody answered: the last turn but notices of a live session. */
export interface UnansweredTurn {
  id: string;
  sessionId: string;
  clientMessageId: string;
  text: string;
  channel: SessionChannel;
  /** The session id a Rasa client knows the session by (its room), for channel `rasa`. */
  rasaSessionId: string | null;
}

/**
 * The oldest visitor turn, stored before `before`, that is the last turn of an active widget or
 * Rasa session (but system notices) and was written to within the idle timeout: nothing answered
 * it, and the visitor did not move on. A message a person held the session at or after is theirs to
 * answer (or leave), not the AI's. `FOR UPDATE OF v SKIP LOCKED`: a turn another server is answering is skipped.
 */
const NEXT_UNANSWERED = `
  SELECT v.id, v.session_id AS "sessionId", v.client_message_id AS "clientMessageId", v.text, s.channel,
         s.metadata->>'rasaSessionId' AS "rasaSessionId"
    FROM chat_sessions s
    JOIN turns v ON v.session_id = s.id
   WHERE s.status = 'active' AND s.channel IN ('widget', 'rasa')
     AND s.last_activity_at > now() - make_interval(mins => $2)
     AND v.role = 'visitor' AND v.client_message_id IS NOT NULL AND v.created_at < $1
     AND NOT (v.id = ANY($3::uuid[]))
     AND NOT EXISTS (SELECT 1 FROM turns later WHERE later.session_id = v.session_id AND later.index > v.index AND later.role <> 'system')
     AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = v.session_id AND h.taken_at IS NOT NULL AND (h.ended_at IS NULL OR h.ended_at > v.created_at))
   ORDER BY v.created_at, v.id
   LIMIT 1`;

@Injectable()
export class UnansweredTurns {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Database) private readonly database: Database,
  ) {}

  /** The database's clock: turns stored before it are the previous servers'. */
  async now(): Promise<Date> {
    const [{ now }] = await this.db.query(`SELECT now() AS now`);
    return new Date(now);
  }

  /**
   * Claims the next unanswered turn and runs `answer` while holding the claim (a row lock on the
   * turn, in a transaction on a connection of its own, so `answer` may use the others), so two
   * servers starting together never answer the same turn. The embedded database has one
   * connection and one server, so there the turn is only looked up. Resolves with `answer`'s
   * result, or undefined when no turn is left.
   */
  async claimNext<T>(before: Date, idleMinutes: number, skip: string[], answer: (turn: UnansweredTurn) => Promise<T>): Promise<T | undefined> {
    if (this.database.kind === 'embedded') {
      const [turn] = await this.find(this.db.manager, before, idleMinutes, skip, '');
      return turn && answer(turn);
    }
    return this.db.transaction(async (tx) => {
      const [turn] = await this.find(tx, before, idleMinutes, skip, ' FOR UPDATE OF v SKIP LOCKED');
      return turn && answer(turn);
    });
  }

  private find(manager: EntityManager, before: Date, idleMinutes: number, skip: string[], lock: string): Promise<UnansweredTurn[]> {
    return manager.query(NEXT_UNANSWERED + lock, [before, idleMinutes, skip]);
  }
}
