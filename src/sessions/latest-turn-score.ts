/**
 * SQL joining the latest score of `scorer` for agent turn `t` as `alias` (score, evidence): a turn
 * rescored later counts only with its newest score.
 */
export const latestTurnScore = (scorer: string, alias: string) =>
  `LEFT JOIN LATERAL (SELECT ts.score, ts.evidence FROM turn_scores ts WHERE ts.turn_id = t.id AND ts.scorer = '${scorer}'
                      ORDER BY ts.created_at DESC, ts.id DESC LIMIT 1) ${alias} ON true`;

/** The compliance violations (a JSON array) in the latest `compliance` score joined as `alias`, [] when there are none. */
export const violationsOf = (alias: string) => `CASE WHEN jsonb_typeof(${alias}.evidence->'violations') = 'array' THEN ${alias}.evidence->'violations' ELSE '[]'::jsonb END`;
