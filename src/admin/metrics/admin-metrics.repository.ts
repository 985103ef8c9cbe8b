import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { latestTurnScore, violationsOf } from '../../sessions';
import { FLAGGED_TURN_SCORES } from '../../simulator';

export type MetricsGrouping = 'day' | 'model';

export interface MetricsFilter {
  from?: Date;
  to?: Date;
  groupBy: MetricsGrouping;
}

/** A count and its share of the denominator (null when the denominator is 0). */
export interface RuleFigure {
  violations: number;
  /** Violations of the rule per agent turn. */
  rate: number | null;
}

export interface MetricsFigures {
  sessions: number;
  convertedSessions: number;
  conversionRate: number | null;
  agentTurns: number;
  violations: number;
  /** Violations (all rules) per agent turn. */
  violationRate: number | null;
  violationsByRule: Record<string, RuleFigure>;
  repetitiveTurns: number;
  repetitionRate: number | null;
  botLikeTurns: number;
  botLikeRate: number | null;
}

export type MetricsRow = ({ day: string } | { modelVersion: { id: string; name: string } | null }) & MetricsFigures;

const groupKey: Record<MetricsGrouping, string> = {
  day: `to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  model: `t.model_version_id::text`,
};

const rate = (n: number, d: number) => (d > 0 ? n / d : null);

/** Session `s` was taken over by a person (a handoff someone took). */
const PERSON_HANDLED = `EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = s.id AND h.taken_at IS NOT NULL)`;

/**
 * Conversion and turn-quality figures over sessions started in [from, to), per UTC day of the session's
 * start (every session) or per model version (a session counts for each version that wrote one of its
 * agent turns; sessions a person took over are left out). Repetition and bot-like turns use the
 * simulator summary's thresholds (FLAGGED_TURN_SCORES).
 */
@Injectable()
export class AdminMetricsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async figures({ from, to, groupBy }: MetricsFilter): Promise<MetricsRow[]> {
    const key = groupKey[groupBy];
    // Per version, a session a person took over is not the model's to count: its outcome and the
    // turns around the person's are partly the person's doing.
    const scope = `WITH s AS (
        SELECT s.id, s.created_at, EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id) AS converted
        FROM chat_sessions s WHERE ($1::timestamptz IS NULL OR s.created_at >= $1) AND ($2::timestamptz IS NULL OR s.created_at < $2)
        ${groupBy === 'model' ? `AND NOT ${PERSON_HANDLED}` : ''})`;
    const agentTurns = `s JOIN turns t ON t.session_id = s.id AND t.role = 'agent'`;
    const params = [from ?? null, to ?? null];

    const sessions: { key: string | null; sessions: string; converted: string }[] = await this.db.query(
      groupBy === 'day'
        ? `${scope} SELECT ${key} AS key, count(*) AS sessions, count(*) FILTER (WHERE s.converted) AS converted FROM s GROUP BY 1`
        : `${scope} SELECT ${key} AS key, count(DISTINCT s.id) AS sessions, count(DISTINCT s.id) FILTER (WHERE s.converted) AS converted FROM ${agentTurns} GROUP BY 1`,
      params,
    );
    const turns: { key: string | null; turns: string; violations: string; repetitive: string; bot_like: string }[] = await this.db.query(
      `${scope} SELECT ${key} AS key, count(*) AS turns, COALESCE(sum(jsonb_array_length(${violationsOf('comp')})), 0) AS violations,
                count(*) FILTER (WHERE rep.score >= $3) AS repetitive, count(*) FILTER (WHERE bot.score >= $4) AS bot_like
         FROM ${agentTurns} ${latestTurnScore('compliance', 'comp')} ${latestTurnScore('repetition', 'rep')} ${latestTurnScore('bot_likeness', 'bot')}
         GROUP BY 1`,
      [...params, FLAGGED_TURN_SCORES.repetition, FLAGGED_TURN_SCORES.botLikeness],
    );
    const rules: { key: string | null; rule: string; violations: string }[] = await this.db.query(
      `${scope} SELECT ${key} AS key, v->>'ruleId' AS rule, count(*) AS violations
         FROM ${agentTurns} ${latestTurnScore('compliance', 'comp')} CROSS JOIN LATERAL jsonb_array_elements(${violationsOf('comp')}) v
         GROUP BY 1, 2 ORDER BY 2`,
      params,
    );

    const keys = [...new Set([...sessions, ...turns].map((r) => r.key))];
    const names = groupBy === 'model' ? await this.versionNames(keys.filter((k): k is string => k !== null)) : new Map<string, string>();
    const rows = keys.map((k) => {
      const sr = sessions.find((r) => r.key === k);
      const tr = turns.find((r) => r.key === k);
      const n = { sessions: Number(sr?.sessions ?? 0), converted: Number(sr?.converted ?? 0), turns: Number(tr?.turns ?? 0) };
      const figures: MetricsFigures = {
        sessions: n.sessions,
        convertedSessions: n.converted,
        conversionRate: rate(n.converted, n.sessions),
        agentTurns: n.turns,
        violations: Number(tr?.violations ?? 0),
        violationRate: rate(Number(tr?.violations ?? 0), n.turns),
        violationsByRule: Object.fromEntries(rules.filter((r) => r.key === k).map((r) => [r.rule, { violations: Number(r.violations), rate: rate(Number(r.violations), n.turns) }])),
        repetitiveTurns: Number(tr?.repetitive ?? 0),
        repetitionRate: rate(Number(tr?.repetitive ?? 0), n.turns),
        botLikeTurns: Number(tr?.bot_like ?? 0),
        botLikeRate: rate(Number(tr?.bot_like ?? 0), n.turns),
      };
      return { key: k, row: groupBy === 'day' ? { day: k as string, ...figures } : { modelVersion: k === null ? null : { id: k, name: names.get(k) ?? k }, ...figures } };
    });
    // Days in order; versions by name, agent turns without a version last.
    const sortKey = (r: (typeof rows)[number]) => (groupBy === 'day' ? (r.key ?? '') : r.key === null ? '\uffff' : (names.get(r.key) ?? r.key));
    return rows.sort((a, b) => sortKey(a).localeCompare(sortKey(b))).map((r) => r.row);
  }

  /** Sessions started in [from, to) that a person took over (what the per-version figures leave out). */
  async personHandledSessions({ from, to }: Pick<MetricsFilter, 'from' | 'to'>): Promise<number> {
    const [row]: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM chat_sessions s
        WHERE ($1::timestamptz IS NULL OR s.created_at >= $1) AND ($2::timestamptz IS NULL OR s.created_at < $2) AND ${PERSON_HANDLED}`,
      [from ?? null, to ?? null],
    );
    return Number(row.n);
  }

  private async versionNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows: { id: string; name: string }[] = await this.db.query(`SELECT id::text AS id, name FROM model_versions WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
