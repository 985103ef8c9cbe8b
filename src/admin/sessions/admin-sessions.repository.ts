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

const converted = `EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id)`;

/** The admin's read side of chat sessions: filtered newest-first pages and one session in full. */
@Injectable()
export class AdminSessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async page(f: SessionFilter, page: { limit: number; cursor?: string }): Promise<Page<SessionSummary>> {
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
    const { items, nextCursor } = await pageOf(qb, page);
    return { items: await this.summaries(items), nextCursor };
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
      return { id: s.id, siteKey: s.siteKey, channel: s.channel, status: s.status, createdAt: s.createdAt, endedAt: s.endedAt, turns: Number(r.turns), converted: Number(r.conversions) > 0, conversionValue: Number(r.value) };
    });
  }
}
