import { Client } from 'pg';

/** What a visitor saw of one message it sent. */
export interface SentTurn {
  sessionId: string;
  clientMessageId: string;
  /** performance.now() when message:send went out. */
  sentAt: number;
  /** The first `reply:delta` for it. */
  firstDeltaAt?: number;
  /** Its `reply:delta` texts joined, in arrival order. */
  streamed: string;
  /** `reply:final` events received for it (one expected per reply). */
  finals: number;
  outcome: SentOutcome;
}

export type SentOutcome =
  | { kind: 'replied'; at: number; visitorTurnId: string; turnId: string; text: string; duplicate: boolean }
  | { kind: 'refused'; at: number; code: string }
  /** No acknowledgement before the visitor gave up (its ack timeout), or the socket dropped. */
  | { kind: 'unanswered' };

/** One row of `turns` in a session the run opened. */
export interface StoredTurn {
  id: string;
  sessionId: string;
  role: string;
  clientMessageId: string | null;
  text: string;
  completionTokens: number | null;
}

export interface Accounting {
  visitor_turns_sent: number;
  agent_turns_received: number;
  refused: Record<string, number>;
  stored: { visitor: number; agent: number; other: number };
  /** Acknowledged with a reply that is not stored as acknowledged, or never answered nor refused. Must be 0. */
  lost: { total: number; acknowledged_not_stored: number; unanswered: number };
  /** The same message or reply stored or delivered more than once, or acknowledged as a retry when it was sent once. Must be 0. */
  duplicates: { total: number; stored_twice: number; final_twice: number; acknowledged_as_retry: number };
  /** Refused turns (any code) that left a visitor turn or a reply stored: a refusal stores nothing. Must be 0. */
  refused_but_stored: number;
  /** Visitor or agent turns in the run's sessions that match no message the run sent (notices and people's turns count in `stored.other`). */
  unexpected_stored: number;
  /** A reply whose stored text differs from the acknowledged one, or whose streamed deltas do not add up to it. */
  mismatched: number;
}

const replyIdFor = (clientMessageId: string) => `${clientMessageId}#reply`;
const key = (sessionId: string, clientMessageId: string) => `${sessionId}\u0000${clientMessageId}`;

/**
 * Checks every message a run sent against what the database holds for the run's sessions. Pure,
 * so a counting bug shows in a unit test rather than hiding losses in the benchmark.
 */
export function account(sent: SentTurn[], stored: StoredTurn[]): Accounting {
  const byKey = new Map<string, StoredTurn[]>();
  for (const t of stored) {
    if (t.clientMessageId === null) continue;
    const k = key(t.sessionId, t.clientMessageId);
    byKey.set(k, [...(byKey.get(k) ?? []), t]);
  }
  const sentKeys = new Map<string, number>();
  for (const s of sent) sentKeys.set(key(s.sessionId, s.clientMessageId), (sentKeys.get(key(s.sessionId, s.clientMessageId)) ?? 0) + 1);

  const a: Accounting = {
    visitor_turns_sent: sent.length,
    agent_turns_received: 0,
    refused: {},
    stored: { visitor: 0, agent: 0, other: 0 },
    lost: { total: 0, acknowledged_not_stored: 0, unanswered: 0 },
    duplicates: { total: 0, stored_twice: 0, final_twice: 0, acknowledged_as_retry: 0 },
    refused_but_stored: 0,
    unexpected_stored: 0,
    mismatched: 0,
  };
  for (const t of stored) {
    if (t.role === 'visitor' || t.role === 'agent') a.stored[t.role]++;
    else a.stored.other++;
  }
  for (const rows of byKey.values()) a.duplicates.stored_twice += rows.length - 1;
  for (const t of stored) {
    if (t.role !== 'visitor' && t.role !== 'agent') continue;
    const asked = t.role === 'agent' && t.clientMessageId?.endsWith('#reply') ? t.clientMessageId.slice(0, -'#reply'.length) : t.clientMessageId;
    if (asked === null || !sentKeys.has(key(t.sessionId, asked))) a.unexpected_stored++;
  }

  for (const s of sent) {
    const visitorTurns = byKey.get(key(s.sessionId, s.clientMessageId)) ?? [];
    const replies = byKey.get(key(s.sessionId, replyIdFor(s.clientMessageId))) ?? [];
    if (s.finals > 1) a.duplicates.final_twice += s.finals - 1;
    const o = s.outcome;
    if (o.kind === 'replied') {
      a.agent_turns_received++;
      if (o.duplicate && sentKeys.get(key(s.sessionId, s.clientMessageId)) === 1) a.duplicates.acknowledged_as_retry++;
      const visitorTurn = visitorTurns.find((t) => t.id === o.visitorTurnId && t.role === 'visitor');
      const reply = replies.find((t) => t.id === o.turnId && t.role === 'agent');
      if (!visitorTurn || !reply) a.lost.acknowledged_not_stored++;
      else if (reply.text !== o.text || s.streamed.trim() !== o.text) a.mismatched++;
    } else if (o.kind === 'refused') {
      a.refused[o.code] = (a.refused[o.code] ?? 0) + 1;
      if (visitorTurns.length + replies.length > 0) a.refused_but_stored++;
    } else a.lost.unanswered++;
  }
  a.lost.total = a.lost.acknowledged_not_stored + a.lost.unanswered;
  a.duplicates.total = a.duplicates.stored_twice + a.duplicates.final_twice + a.duplicates.acknowledged_as_retry;
  return a;
}

/** Every turn of the given sessions, from the schema the run's server writes to. */
export async function storedTurns(client: Client, schema: string, sessionIds: string[]): Promise<StoredTurn[]> {
  const { rows } = await client.query(
    `SELECT id, session_id AS "sessionId", role, client_message_id AS "clientMessageId", text, completion_tokens AS "completionTokens"
       FROM "${schema}".turns WHERE session_id = ANY($1::uuid[]) ORDER BY session_id, index`,
    [sessionIds],
  );
  return rows as StoredTurn[];
}
