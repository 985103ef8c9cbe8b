import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { VisitorTextPolicy } from '../privacy';
import { ModelRegistry } from '../registry/model-registry';
import { ScoreResult } from '../scoring';
import { ChatSession, SessionChannel } from './entities/chat-session.entity';
import { Turn } from './entities/turn.entity';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A client message id's agent reply is stored under this derived id (unique per session). */
export const replyIdFor = (clientMessageId: string) => `${clientMessageId}#reply`;

/** A visitor message as `addVisitorTurn` left it. */
export interface StoredVisitorTurn {
  turn: Turn;
  /** Its message id was stored before (a retry): nothing new was stored. */
  duplicate: boolean;
  /** The reply already stored for a retried message. */
  reply: Turn | null;
  /** The session's turns in order, this one included. */
  history: Turn[];
}

/** Postgres' SQLSTATE for a unique constraint broken. */
const UNIQUE_VIOLATION = '23505';
/** Tries of the one-statement visitor turn insert before a collision is reported (each retry sees what collided). */
const VISITOR_TURN_ATTEMPTS = 5;

/** `store_agent_turn`'s refusals (migration StoreAgentTurn): unknown session, session not active, held by a person. */
const UNKNOWN_SESSION = 'CL001';
const SESSION_NOT_ACTIVE = 'CL002';
const HELD_BY_PERSON = 'CL003';

/** A person holds the session: the agent writes no reply (the visitor's message is kept for the person). */
export class HeldByPersonError extends Error {
  constructor() {
    super('a person holds this session');
    this.name = 'HeldByPersonError';
  }
}

/** The session ended or timed out before the reply was stored: nothing is stored for it. */
export class SessionClosedError extends Error {
  readonly code = 'session_closed';
  constructor(message = 'the session ended while the reply was being written') {
    super(message);
    this.name = 'SessionClosedError';
  }
}

/** One session, or a visitor's sessions by the keyed hash of their identifier (see VisitorIds). */
export type SessionSelector = { sessionId: string } | { visitorHash: string };

export interface ConversionRecord {
  sessionId: string;
  source: 'widget' | 'webhook';
  /** The reporter's id for the event; a second report with the same id is ignored. */
  externalId: string;
  value: number;
  currency: string | null;
  occurredAt: Date;
}

export interface AgentTurnRecord {
  text: string;
  replyTo: string;
  modelVersionId: string | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  timeToFirstDeltaMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

/** A turn the model did not write: an operator's message (`person`, with its author) or a server notice (`system`). */
export type HandoffTurnRecord = { role: 'system'; text: string } | { role: 'person'; text: string; authorKeyId: string | null; authorName: string };

/** Sessions, their turns and turn scores. Every write is a transaction; turns are never lost. */
@Injectable()
export class ChatSessionRepository {
  /** The turns table's columns as the visitor-turn and agent-turn statements select them (from the entity's metadata, built once). */
  private turnColumns: string | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    // Redacting, as the server does unless STORE_RAW_TEXT=true.
    private readonly visitorText: VisitorTextPolicy = new VisitorTextPolicy(false),
  ) {}

  /**
   * Creates a session; the resume token is returned once and only its hash is stored. `visitorHash`:
   * the keyed hash of the site's visitor identifier (VisitorIds), kept for erasure by visitor.
   */
  async start(
    siteKey: string,
    channel: SessionChannel,
    metadata: Record<string, unknown> = {},
    visitorHash: string | null = null,
  ): Promise<{ session: ChatSession; resumeToken: string }> {
    const resumeToken = randomBytes(24).toString('base64url');
    const session = await this.db.getRepository(ChatSession).save({ siteKey, channel, metadata, visitorHash, resumeTokenHash: hashToken(resumeToken) });
    return { session, resumeToken };
  }

  /**
   * One session by id, or every session of a visitor (by the keyed hash of their identifier), oldest
   * first. `lock`: FOR UPDATE, so no turn is written to them until the transaction ends.
   */
  async findForErasure(target: SessionSelector, manager: EntityManager = this.db.manager, { lock = false } = {}): Promise<Pick<ChatSession, 'id' | 'status'>[]> {
    const [where, key] = 'sessionId' in target ? ['id = $1', target.sessionId] : ['visitor_hash = $1', target.visitorHash];
    return manager.query(`SELECT id, status FROM chat_sessions WHERE ${where} ORDER BY created_at, id${lock ? ' FOR UPDATE' : ''}`, [key]);
  }

  /** The session a Rasa web chat client calls `session_id`, created on first use. */
  async findOrStartRasa(rasaSessionId: string, siteKey: string): Promise<ChatSession> {
    const existing = await this.db
      .getRepository(ChatSession)
      .createQueryBuilder('s')
      .where(`s.channel = 'rasa' AND s.metadata->>'rasaSessionId' = :id AND s.status = 'active'`, { id: rasaSessionId })
      .getOne();
    return existing ?? (await this.start(siteKey, 'rasa', { rasaSessionId })).session;
  }

  async findByResumeToken(resumeToken: string): Promise<ChatSession | null> {
    return this.db.getRepository(ChatSession).findOneBy({ resumeTokenHash: hashToken(resumeToken) });
  }

  async findById(id: string): Promise<ChatSession | null> {
    return this.db.getRepository(ChatSession).findOneBy({ id });
  }

  async history(sessionId: string): Promise<Turn[]> {
    return this.db.getRepository(Turn).find({ where: { sessionId }, order: { index: 'ASC' } });
  }

  /**
   * Stores a visitor message (redacted unless STORE_RAW_TEXT, see VisitorTextPolicy) unless this
   * client message id was stored before; returns the turn as stored, for a retry the agent reply
   * already stored for it, and the session's turns in order (this one included).
   */
  async addVisitorTurn(sessionId: string, clientMessageId: string, text: string): Promise<StoredVisitorTurn> {
    // One statement on the hot path: lock the session (and mark it active), read its turns, insert
    // this one as the next unless its message id was stored before. Its snapshot predates the lock,
    // so a turn committed meanwhile makes the insert collide on (session, index) or (session,
    // message id): then it runs again on a fresh snapshot.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.storeVisitorTurn(sessionId, clientMessageId, this.visitorText.forStorage(text));
      } catch (err) {
        if (attempt >= VISITOR_TURN_ATTEMPTS || (err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      }
    }
  }

  private async storeVisitorTurn(sessionId: string, clientMessageId: string, text: string): Promise<StoredVisitorTurn> {
    const columns = this.columns();
    const rows: (Turn & { inserted: boolean })[] = await this.db.query(
      `WITH locked AS (UPDATE chat_sessions SET last_activity_at = now() WHERE id = $1 RETURNING id),
            earlier AS (SELECT * FROM turns WHERE session_id = $1),
            inserted AS (
              INSERT INTO turns (session_id, index, role, text, client_message_id)
              SELECT id, (SELECT COALESCE(MAX(index) + 1, 0) FROM earlier), 'visitor', $3, $2
                FROM locked WHERE NOT EXISTS (SELECT 1 FROM earlier WHERE client_message_id = $2)
              RETURNING *)
       SELECT false AS inserted, ${columns} FROM earlier WHERE EXISTS (SELECT 1 FROM locked)
       UNION ALL SELECT true AS inserted, ${columns} FROM inserted
       ORDER BY index`,
      [sessionId, clientMessageId, text],
    );
    const turns = this.db.getRepository(Turn);
    const history = rows.map(({ inserted, ...turn }) => turns.create(turn));
    const turn = history.find((t) => t.clientMessageId === clientMessageId);
    // Not found nor inserted: the session is gone, e.g. erased mid-request (the erasure held its row's lock until its commit).
    if (!turn) throw new SessionClosedError(`unknown session ${sessionId}: it was erased or never existed`);
    const duplicate = !rows.some((r) => r.inserted);
    return { turn, duplicate, reply: history.find((t) => t.clientMessageId === replyIdFor(clientMessageId)) ?? null, history };
  }

  /** Takes back a visitor turn that was refused before any reply (e.g. `busy`). */
  async withdrawVisitorTurn(sessionId: string, turnId: string): Promise<void> {
    await this.db.query(`DELETE FROM turns WHERE session_id = $1 AND id = $2 AND role = 'visitor'`, [sessionId, turnId]);
  }

  /**
   * Stores the agent turn and its scores together in one round trip (`store_agent_turn`, with the
   * session locked), only while the session is active (SessionClosedError otherwise) and no person
   * holds it (HeldByPersonError): then nothing is stored.
   */
  async addAgentTurn(sessionId: string, record: AgentTurnRecord, scores: ScoreResult[]): Promise<Turn> {
    const scoreRows = JSON.stringify(scores.map((s) => ({ scorer: s.scorer, version: s.version, score: s.score, evidence: s.evidence })));
    try {
      const rows: Turn[] = await this.db.query(`SELECT ${this.columns()} FROM store_agent_turn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`, [
        sessionId,
        record.text,
        replyIdFor(record.replyTo),
        record.modelVersionId,
        record.latencyMs,
        record.timeToFirstTokenMs,
        record.timeToFirstDeltaMs,
        record.promptTokens,
        record.completionTokens,
        scoreRows,
      ]);
      return this.db.getRepository(Turn).create(rows[0]);
    } catch (err) {
      const { code, message } = err as { code?: string; message: string };
      if (code === UNKNOWN_SESSION) throw new SessionClosedError(message);
      if (code === SESSION_NOT_ACTIVE) throw new SessionClosedError();
      if (code === HELD_BY_PERSON) throw new HeldByPersonError();
      throw err;
    }
  }

  /** Stores a person's message or a server notice as the session's next turn, in the caller's transaction (which then holds the session's lock). */
  async addHandoffTurn(tx: EntityManager, sessionId: string, record: HandoffTurnRecord): Promise<Turn> {
    await this.lockSession(tx, sessionId);
    return tx.getRepository(Turn).save({ sessionId, index: await this.nextIndex(tx, sessionId), clientMessageId: null, ...record });
  }

  /** Stores a conversion once per (session, external id); returns its id, or undefined for a duplicate. */
  async recordConversion(c: ConversionRecord, manager: EntityManager = this.db.manager): Promise<string | undefined> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO conversions (session_id, source, external_id, value, currency, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (session_id, external_id) DO NOTHING RETURNING id`,
      [c.sessionId, c.source, c.externalId, c.value, c.currency, c.occurredAt],
    );
    return rows[0]?.id;
  }

  async end(sessionId: string): Promise<void> {
    await this.db.query(`UPDATE chat_sessions SET status = 'ended', ended_at = now() WHERE id = $1 AND status = 'active'`, [sessionId]);
  }

  /** Ends the sessions idle for `minutes`; returns their ids (a reply may still be streaming for one). */
  async timeOutIdle(minutes: number): Promise<string[]> {
    const [rows]: [{ id: string }[]] = await this.db.query(
      `UPDATE chat_sessions SET status = 'timed_out', ended_at = now()
        WHERE status = 'active' AND last_activity_at < now() - make_interval(mins => $1) RETURNING id`,
      [minutes],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The model_versions row of the model this server answers with, created on first use. The
   * registry owns champion changes: the served model becomes the champion only on a fresh
   * database (see ModelRegistry.adoptServed).
   */
  servedModelVersionId(name: string, artifactPath: string): Promise<string> {
    return new ModelRegistry(this.db).adoptServed(name, artifactPath);
  }

  /** The turns table's columns as the entity's properties, for raw statements that return turns. */
  private columns(): string {
    return (this.turnColumns ??= this.db
      .getMetadata(Turn)
      .columns.map((c) => `${c.databaseName} AS "${c.propertyName}"`)
      .join(', '));
  }

  private async lockSession(tx: EntityManager, sessionId: string): Promise<void> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [, affected] = await tx.query(`UPDATE chat_sessions SET last_activity_at = now() WHERE id = $1`, [sessionId]);
    // Gone, e.g. erased mid-request (the erasure held this row's lock until its commit): closed for good.
    if (affected === 0) throw new SessionClosedError(`unknown session ${sessionId}: it was erased or never existed`);
  }

  private async nextIndex(tx: EntityManager, sessionId: string): Promise<number> {
    const [{ next }] = await tx.query(`SELECT COALESCE(MAX(index) + 1, 0) AS next FROM turns WHERE session_id = $1`, [sessionId]);
    return Number(next);
  }
}
