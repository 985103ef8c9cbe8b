import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChatSession, Conversion, Turn, TurnScore } from '../../sessions';
import { Page, pageOf } from '../pagination';

export interface SessionFilter {
  from?: Date;
  to?: Date;
  outcome?: 'converted' | 'not_converted';
  /** A model version id or name that wrote at least one agent turn of the session. */
  modelVersion?: string;
  /** A compliance rule id broken by at least one agent turn. */
  rule?: string;
}

export interface SessionSummary {
  id: string;
  siteKey: string;
  channel: string;
  status: string;
  createdAt: Date;
  endedAt: Date | null;
  turns: number;
  converted: boolean;
  conversionValue: number;
}

/** One session as exported: its turns in order (each with its scores by scorer) and its conversions. */
export interface ExportedSession extends Omit<SessionSummary, 'turns' | 'conversionValue'> {
  conversions: Omit<Conversion, 'session'>[];
  turns: { index: number; role: string; text: string; createdAt: Date; modelVersionId: string | null; scores: Record<string, number> }[];
}

/** The session fields both the list and the export show. */
const head = ({ id, siteKey, channel, status, createdAt, endedAt }: ChatSession) => ({ id, siteKey, channel, status, createdAt, endedAt });

const converted = `EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id)`;

/** The admin's read side of chat sessions: filtered newest-first pages and one session in full. */
@Injectable()
export class AdminSessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async page(f: SessionFilter, page: { limit: number; cursor?: string }): Promise<Page<SessionSummary>> {
    const { items, nextCursor } = await pageOf(this.filtered(f), page);
    return { items: await this.summaries(items), nextCursor };
  }

  /**
   * Every session matching the filter, newest first, each with its turns (scores attached) and
   * conversions: fetched one keyset page at a time, so an export never holds more than a page.
   */
  async *exportAll(f: SessionFilter, pageSize = 100): AsyncGenerator<ExportedSession> {
    let cursor: string | undefined;
    do {
      const page = await pageOf(this.filtered(f), { limit: pageSize, cursor });
      yield* await this.withTurns(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The sessions matching the filter (the one definition shared by the list and the export). */
  private filtered(f: SessionFilter) {
    const qb = this.db.getRepository(ChatSession).createQueryBuilder('s');
    if (f.from) qb.andWhere('s.created_at >= :from', { from: f.from });
    if (f.to) qb.andWhere('s.created_at < :to', { to: f.to });
    if (f.outcome) qb.andWhere(f.outcome === 'converted' ? converted : `NOT ${converted}`);
    if (f.modelVersion) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM turns t JOIN model_versions v ON v.id = t.model_version_id WHERE t.session_id = s.id AND (v.id::text = :version OR v.name = :version))`,
        { version: f.modelVersion },
      );
    }
    if (f.rule) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM turns t JOIN turn_scores ts ON ts.turn_id = t.id WHERE t.session_id = s.id AND ts.scorer = 'compliance'
                   AND ts.evidence->'violations' @> jsonb_build_array(jsonb_build_object('ruleId', :rule::text)))`,
        { rule: f.rule },
      );
    }
    return qb;
  }

  /** A page of sessions with their turns, scores and conversions, in three queries. */
  private async withTurns(sessions: ChatSession[]): Promise<ExportedSession[]> {
    if (!sessions.length) return [];
    const ids = sessions.map((s) => s.id);
    const turns = await this.db.getRepository(Turn).createQueryBuilder('t').where('t.session_id IN (:...ids)', { ids }).orderBy('t.index', 'ASC').getMany();
    const scores = turns.length ? await this.db.getRepository(TurnScore).createQueryBuilder('ts').where('ts.turn_id IN (:...ids)', { ids: turns.map((t) => t.id) }).orderBy('ts.scorer').getMany() : [];
    const conversions = await this.db.getRepository(Conversion).createQueryBuilder('c').where('c.session_id IN (:...ids)', { ids }).orderBy('c.occurred_at', 'ASC').getMany();
    return sessions.map((s) => ({
      ...head(s),
      converted: conversions.some((c) => c.sessionId === s.id),
      conversions: conversions.filter((c) => c.sessionId === s.id).map(({ session: _s, ...c }) => c),
      turns: turns
        .filter((t) => t.sessionId === s.id)
        .map((t) => ({
          index: t.index,
          role: t.role,
          text: t.text,
          createdAt: t.createdAt,
          modelVersionId: t.modelVersionId,
          scores: Object.fromEntries(scores.filter((x) => x.turnId === t.id).map((x) => [x.scorer, x.score])) as Record<string, number>,
        })),
    }));
  }

  /** A session with its turns (each with its scores, in order) and its conversions; undefined if unknown. */
  async detail(id: string) {
    const session = await this.db.getRepository(ChatSession).findOneBy({ id });
    if (!session) return undefined;
    const turns = await this.db.getRepository(Turn).find({ where: { sessionId: id }, order: { index: 'ASC' } });
    const scores = turns.length ? await this.db.getRepository(TurnScore).createQueryBuilder('ts').where('ts.turn_id IN (:...ids)', { ids: turns.map((t) => t.id) }).orderBy('ts.scorer').getMany() : [];
    const conversions = await this.db.getRepository(Conversion).find({ where: { sessionId: id }, order: { occurredAt: 'ASC' } });
    const { resumeTokenHash: _, ...visible } = session;
    return {
      ...visible,
      converted: conversions.length > 0,
      conversions: conversions.map(({ session: _s, ...c }) => c),
      turns: turns.map(({ session: _s, ...t }) => ({ ...t, scores: scores.filter((s) => s.turnId === t.id).map(({ turn: _t, turnId: _id, ...s }) => s) })),
    };
  }

  /** Turn counts and conversion totals of a page of sessions, in one query. */
  private async summaries(sessions: ChatSession[]): Promise<SessionSummary[]> {
    if (!sessions.length) return [];
    const rows: { id: string; turns: string; conversions: string; value: number }[] = await this.db.query(
      `SELECT s.id, (SELECT count(*) FROM turns t WHERE t.session_id = s.id) AS turns,
              (SELECT count(*) FROM conversions c WHERE c.session_id = s.id) AS conversions,
              (SELECT COALESCE(sum(c.value), 0) FROM conversions c WHERE c.session_id = s.id) AS value
         FROM chat_sessions s WHERE s.id = ANY($1)`,
      [sessions.map((s) => s.id)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return sessions.map((s) => {
      const r = byId.get(s.id)!;
      return { ...head(s), turns: Number(r.turns), converted: Number(r.conversions) > 0, conversionValue: Number(r.value) };
    });
  }
}
