import { DataSource } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { FidelityGap, fidelityGaps, FidelityMetric, SessionFigures } from '../evaluation';
import { ChatModel, policyAgent } from '../model';
import { SERVING_SAMPLING } from '../rl/pool-rollouts';
import { ComplianceRule, isBotQuestion, TurnScoring } from '../scoring';
import { latestTurnScore, violationsOf } from '../sessions';
import { derivePersonas, FLAGGED_TURN_SCORES, Persona, RuleBasedSimulator, runSimulation } from '../simulator';
import { visitorOpeningsOf } from '../simulator/persona.repository';

export interface FidelityOptions {
  /** Fewer live sessions than this: no report (the gaps would be noise). */
  minLiveSessions: number;
  /** The newest live sessions read at most. */
  maxLiveSessions: number;
  /** Simulated sessions, over the personas derived from the live ones in turn. */
  simulatedSessions: number;
  seed: number;
  replyMaxTokens: number;
}

export const defaultFidelityOptions: FidelityOptions = { minLiveSessions: 50, maxLiveSessions: 500, simulatedSessions: 200, seed: 20261206, replyMaxTokens: 80 };

export interface FidelityReport {
  versionId: string;
  versionName: string;
  liveSessions: number;
  /** Live sessions a persona could be derived from (they name a catalog feature): what was simulated. */
  personas: number;
  simulatedSessions: number;
  gaps: Record<FidelityMetric, FidelityGap>;
}

interface LiveRow {
  converted: boolean;
  visitor_messages: string[] | null;
  openings: string[] | null;
  turns: { violations: number; repetition: number | null }[];
  id: string;
}

/**
 * The simulator's fidelity for one served version: its live sessions (ended, not simulated, not
 * taken over by a person, on the version that wrote their first reply) against the strict
 * simulator playing the same version, as served, on personas derived from those very sessions.
 * The derived personas get the library's mean buying intent, not the one their session's outcome
 * suggests: the simulator must predict conversion, not be told it.
 */
export async function measureFidelity(
  db: DataSource,
  version: { id: string; name: string; artifactPath: string },
  catalog: ProductCatalog,
  library: Persona[],
  rules: ComplianceRule[],
  o: FidelityOptions,
): Promise<FidelityReport | { skipped: string }> {
  const rows: LiveRow[] = await db.query(
    `WITH first_reply AS (
       SELECT DISTINCT ON (t.session_id) t.session_id, t.model_version_id
         FROM turns t JOIN chat_sessions s ON s.id = t.session_id
        WHERE t.role = 'agent' AND s.status <> 'active' AND s.channel <> 'simulator'
        ORDER BY t.session_id, t.index)
     SELECT s.id, EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id) AS converted, ${visitorOpeningsOf('s')} AS openings,
            (SELECT array_agg(v.text ORDER BY v.index) FROM turns v WHERE v.session_id = s.id AND v.role = 'visitor') AS visitor_messages,
            (SELECT COALESCE(json_agg(json_build_object('violations', jsonb_array_length(${violationsOf('comp')}), 'repetition', rep.score) ORDER BY t.index), '[]'::json)
               FROM turns t ${latestTurnScore('compliance', 'comp')} ${latestTurnScore('repetition', 'rep')}
              WHERE t.session_id = s.id AND t.role = 'agent') AS turns
       FROM first_reply f JOIN chat_sessions s ON s.id = f.session_id
      WHERE f.model_version_id = $1
        AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = s.id AND h.taken_at IS NOT NULL)
      ORDER BY s.created_at DESC LIMIT $2`,
    [version.id, o.maxLiveSessions],
  );
  if (rows.length < o.minLiveSessions) return { skipped: `${version.name}: ${rows.length} live sessions, fewer than ${o.minLiveSessions}` };
  const meanIntent = library.reduce((a, p) => a + p.buyingIntent, 0) / library.length;
  const personas = derivePersonas(
    rows.map((r) => ({ sessionId: r.id, visitorMessages: r.openings ?? [], converted: r.converted })),
    catalog,
    library[0],
  ).map((p) => ({ ...p, buyingIntent: meanIntent }));
  if (personas.length === 0) return { skipped: `${version.name}: none of its ${rows.length} live sessions names a catalog feature to derive a persona from` };

  const live: SessionFigures[] = rows.map((r) => ({
    converted: r.converted,
    turns: r.turns.map((t) => ({ violations: t.violations, repetitive: (t.repetition ?? 0) >= FLAGGED_TURN_SCORES.repetition })),
    askedIfBot: (r.visitor_messages ?? []).some(isBotQuestion),
  }));
  const model = await ChatModel.load(version.artifactPath);
  try {
    const { sessions } = await runSimulation({
      simulator: new RuleBasedSimulator(personas, catalog, 'strict'),
      personas,
      agentFor: (_, seed) => policyAgent(model, catalog, { ...SERVING_SAMPLING, maxNewTokens: o.replyMaxTokens }, seed),
      sessions: o.simulatedSessions,
      seed: o.seed,
      scoring: new TurnScoring(catalog, undefined, rules),
    });
    const simulated: SessionFigures[] = sessions.map((s) => ({
      converted: s.outcome.converted,
      turns: s.agentTurnScores.map((t) => ({ violations: t.violations.length, repetitive: t.repetition >= FLAGGED_TURN_SCORES.repetition })),
      askedIfBot: s.turns.some((t) => t.role === 'visitor' && isBotQuestion(t.text)),
    }));
    return { versionId: version.id, versionName: version.name, liveSessions: rows.length, personas: personas.length, simulatedSessions: simulated.length, gaps: fidelityGaps(live, simulated) };
  } finally {
    await model.release();
  }
}
