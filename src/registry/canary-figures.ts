import { EntityManager } from 'typeorm';
import { ArmSample, emptyArm, addToArm } from '../evaluation/sequential';
import { latestTurnScore, violationsOf } from '../sessions/latest-turn-score';
import { FLAGGED_TURN_SCORES } from '../simulator/simulation';
import { CANARY_GUARDS, CanaryMetric } from './canary-decision';
import { Canary } from './model-registry';

/** Both arms of every metric, as the canary decision reads them. */
export type CanaryArms = Record<CanaryMetric, { candidate: ArmSample; baseline: ArmSample }>;

interface SessionRow {
  arm: 'canary' | 'champion';
  converted: boolean;
  agent_turns: string;
  violations: string;
  repetitive: string;
  bot_like: string;
  asked_for_person: boolean;
  left_after_first: boolean;
}

/**
 * The live figures of a canary: every session started since it began, ended, not taken over by a
 * person (its outcome is partly the person's) and not erased, on the arm of the version that wrote
 * its first reply (the canary or the champion it is compared with). Per session, each figure is a
 * value in [0, 1]: converted; violations per agent turn (capped at 1); shares of repetitive and
 * bot-like agent turns (the simulator's thresholds); asked for a person; left after the first reply.
 */
export async function canaryArms(db: EntityManager, canary: Canary): Promise<CanaryArms> {
  const rows: SessionRow[] = await db.query(
    `WITH first_reply AS (
       SELECT DISTINCT ON (t.session_id) t.session_id, t.model_version_id
         FROM turns t JOIN chat_sessions s ON s.id = t.session_id
        WHERE t.role = 'agent' AND s.created_at >= $1 AND s.status <> 'active'
        ORDER BY t.session_id, t.index),
     scored AS (
       SELECT t.session_id,
              count(*) AS agent_turns,
              COALESCE(sum(jsonb_array_length(${violationsOf('comp')})), 0) AS violations,
              count(*) FILTER (WHERE rep.score >= $4) AS repetitive,
              count(*) FILTER (WHERE bot.score >= $5) AS bot_like
         FROM turns t JOIN first_reply f ON f.session_id = t.session_id
         ${latestTurnScore('compliance', 'comp')} ${latestTurnScore('repetition', 'rep')} ${latestTurnScore('bot_likeness', 'bot')}
        WHERE t.role = 'agent'
        GROUP BY t.session_id)
     SELECT CASE WHEN f.model_version_id = $2 THEN 'canary' ELSE 'champion' END AS arm,
            EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = f.session_id) AS converted,
            sc.agent_turns, sc.violations, sc.repetitive, sc.bot_like,
            EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = f.session_id AND h.reason = 'visitor_request') AS asked_for_person,
            (sc.agent_turns = 1 AND NOT EXISTS (
               SELECT 1 FROM turns v JOIN turns a ON a.session_id = v.session_id AND a.role = 'agent'
                WHERE v.session_id = f.session_id AND v.role = 'visitor' AND v.index > a.index)) AS left_after_first
       FROM first_reply f JOIN scored sc ON sc.session_id = f.session_id
      WHERE f.model_version_id IN ($2, $3)
        AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = f.session_id AND h.taken_at IS NOT NULL)`,
    [canary.startedAt, canary.id, canary.championId, FLAGGED_TURN_SCORES.repetition, FLAGGED_TURN_SCORES.botLikeness],
  );
  const arms = Object.fromEntries((['conversion', ...CANARY_GUARDS] as CanaryMetric[]).map((m) => [m, { candidate: emptyArm(), baseline: emptyArm() }])) as CanaryArms;
  for (const r of rows) {
    const side = r.arm === 'canary' ? 'candidate' : 'baseline';
    const turns = Number(r.agent_turns);
    const values: Record<CanaryMetric, number> = {
      conversion: r.converted ? 1 : 0,
      violations: Math.min(1, Number(r.violations) / turns),
      repetition: Number(r.repetitive) / turns,
      botLike: Number(r.bot_like) / turns,
      handoff: r.asked_for_person ? 1 : 0,
      earlyLeave: r.left_after_first && !r.converted ? 1 : 0,
    };
    for (const m of Object.keys(values) as CanaryMetric[]) arms[m][side] = addToArm(arms[m][side], values[m]);
  }
  return arms;
}
