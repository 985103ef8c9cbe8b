import { EntityManager } from 'typeorm';
import { ProductCatalog } from '../../catalog';
import { checkCompliance, ComplianceRule, HistoryTurn, parseComplianceRules } from '../../scoring';
import { StoredRule } from '../../rules';
import { siteCatalog } from '../../sites/sites.repository';

/** Flagged turns listed per answer list; the counts cover every turn. */
const MAX_EXAMPLES = 20;

export interface DryRunWindow {
  /** The most recent agent turns to check. */
  limit: number;
  /** Only turns stored at or after it. */
  since?: Date;
}

export interface FlaggedTurn {
  sessionId: string;
  turnId: string;
  createdAt: Date;
  severity: ComplianceRule['severity'];
  /** What the rule matched in the reply. */
  matches: string[];
  /** The whole reply as stored. */
  text: string;
}

export interface DryRunReport {
  /** Agent turns checked (at most `limit`). */
  turns: number;
  window: { limit: number; since: Date | null; oldest: Date | null; newest: Date | null };
  flagged: number;
  rate: number;
  examples: FlaggedTurn[];
  /** Versus the stored rule of the same id as in force now (a disabled one flags nothing); null for a new id. */
  current: {
    enabled: boolean;
    flagged: number;
    rate: number;
    newlyFlagged: number;
    noLongerFlagged: number;
    examples: { newlyFlagged: FlaggedTurn[]; noLongerFlagged: FlaggedTurn[] };
  } | null;
}

interface TurnRow {
  session_id: string;
  id: string;
  role: 'visitor' | 'agent' | 'system';
  text: string;
  created_at: Date;
  checked: boolean;
}

/**
 * A candidate rule run on the latest stored agent replies of live (non-simulator) sessions, each
 * with the history it answered and its site's catalog, as the turn's compliance score judges a
 * whole reply. Reads only.
 */
export async function dryRunRule(
  db: EntityManager,
  serverCatalog: ProductCatalog,
  candidate: ComplianceRule,
  current: StoredRule | undefined,
  window: DryRunWindow,
): Promise<DryRunReport> {
  // The checked turns, then each of their sessions up to its last checked turn (the histories).
  const rows: TurnRow[] = await db.query(
    `WITH checked AS (
       SELECT t.id, t.session_id, t.index FROM turns t JOIN chat_sessions s ON s.id = t.session_id
        WHERE t.role = 'agent' AND s.channel <> 'simulator' AND ($2::timestamptz IS NULL OR t.created_at >= $2)
        ORDER BY t.created_at DESC, t.id DESC LIMIT $1
     ), upto AS (SELECT session_id, max(index) AS last FROM checked GROUP BY session_id)
     SELECT h.session_id, h.id, h.role, h.text, h.created_at, h.id IN (SELECT id FROM checked) AS checked
       FROM upto u JOIN turns h ON h.session_id = u.session_id AND h.index <= u.last
      ORDER BY h.session_id, h.index`,
    [window.limit, window.since ?? null],
  );
  const catalogs = await sessionCatalogs(db, serverCatalog, [...new Set(rows.map((r) => r.session_id))]);

  const now = current?.enabled ? asInForce(current) : undefined;
  const flaggedBy = (rule: ComplianceRule, row: TurnRow, history: HistoryTurn[]): FlaggedTurn | undefined => {
    const matches = checkCompliance(row.text, history, catalogs.get(row.session_id)!, [rule]).map((v) => v.match);
    return matches.length ? { sessionId: row.session_id, turnId: row.id, createdAt: row.created_at, severity: rule.severity, matches, text: row.text } : undefined;
  };
  const checked: CheckedTurn[] = [];
  let history: HistoryTurn[] = [];
  rows.forEach((row, i) => {
    if (i === 0 || rows[i - 1].session_id !== row.session_id) history = [];
    if (row.checked) checked.push({ candidate: flaggedBy(candidate, row, history), current: now && flaggedBy(now, row, history), createdAt: row.created_at });
    if (row.role !== 'system') history.push({ role: row.role, text: row.text });
  });
  checked.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

  const rate = (n: number) => (checked.length ? n / checked.length : 0);
  const flagged = listed(checked, (c) => c.candidate);
  let versus: DryRunReport['current'] = null;
  if (current) {
    const flaggedNow = checked.filter((c) => c.current).length;
    const newly = listed(checked, (c) => (c.current ? undefined : c.candidate));
    const noLonger = listed(checked, (c) => (c.candidate ? undefined : c.current));
    versus = {
      enabled: current.enabled,
      flagged: flaggedNow,
      rate: rate(flaggedNow),
      newlyFlagged: newly.length,
      noLongerFlagged: noLonger.length,
      examples: { newlyFlagged: newly.slice(0, MAX_EXAMPLES), noLongerFlagged: noLonger.slice(0, MAX_EXAMPLES) },
    };
  }
  return {
    turns: checked.length,
    window: { limit: window.limit, since: window.since ?? null, oldest: checked.at(-1)?.createdAt ?? null, newest: checked[0]?.createdAt ?? null },
    flagged: flagged.length,
    rate: rate(flagged.length),
    examples: flagged.slice(0, MAX_EXAMPLES),
    current: versus,
  };
}

/** The stored rule as RulesInForce reads it; undefined when it no longer parses (e.g. a pattern written before patterns ran on RE2), as it is then out of force. */
function asInForce(rule: StoredRule): ComplianceRule | undefined {
  try {
    return parseComplianceRules([rule])[0];
  } catch {
    return undefined;
  }
}

interface CheckedTurn {
  createdAt: Date;
  /** What the candidate flagged, and what the current rule flags (as in force). */
  candidate?: FlaggedTurn;
  current?: FlaggedTurn;
}

const listed = (checked: CheckedTurn[], pick: (c: CheckedTurn) => FlaggedTurn | undefined): FlaggedTurn[] => checked.map(pick).filter((f) => f !== undefined);

/** Each session's catalog: its site's own, else the server's. */
async function sessionCatalogs(db: EntityManager, serverCatalog: ProductCatalog, sessionIds: string[]): Promise<Map<string, ProductCatalog>> {
  const rows: { id: string; site_key: string; catalog_text: string | null }[] = await db.query(
    `SELECT c.id, c.site_key, s.catalog::text AS catalog_text FROM chat_sessions c LEFT JOIN sites s ON s.site_key = c.site_key WHERE c.id = ANY($1::uuid[])`,
    [sessionIds],
  );
  const parsed = new Map<string, ProductCatalog>();
  const bySession = new Map<string, ProductCatalog>();
  for (const r of rows) {
    if (r.catalog_text === null) bySession.set(r.id, serverCatalog);
    else {
      if (!parsed.has(r.catalog_text)) parsed.set(r.catalog_text, siteCatalog(r.site_key, JSON.parse(r.catalog_text))!);
      bySession.set(r.id, parsed.get(r.catalog_text)!);
    }
  }
  return bySession;
}
