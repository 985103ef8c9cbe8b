import { performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';
import { SentTurn } from './load-accounting';

/**
 * A distinct private address per visitor (10.0.0.0, 10.0.0.1, …), warm-up visitors in 10.255.0.0/16:
 * sent as X-Forwarded-For to a server trusting one proxy hop (TRUST_PROXY_HOPS=1), so per-IP limits
 * count visitors as they would in production, not all of them as 127.0.0.1.
 */
export const visitorIp = (i: number, warmUp = false) => `10.${warmUp ? 255 : (i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Scripted buyer conversations; visitor i follows conversation i mod their number, one message per turn. */
export const conversations: string[][] = [
  [
    'Hi, how much is the Growth plan for 12 people?',
    'Does it sync with our email?',
    'Is there a discount if we pay annually?',
    'Can we try it before buying?',
    'Do we need a credit card for the trial?',
    'Great, how do we get started?',
  ],
  [
    'What does the Starter plan include?',
    'Do you have a mobile app?',
    'We are 6 people, is Starter enough?',
    'Can we switch plans later?',
    'What happens to our data if we cancel?',
    'Thanks, that helps.',
  ],
  [
    'Are you a bot?',
    'Can I import my contacts from a spreadsheet?',
    'Does it integrate with Slack?',
    'How much is Enterprise per seat?',
    'Do you support SSO?',
    'Is our data encrypted?',
  ],
  [
    'We are a nonprofit, do you have a discount?',
    'How does the forecasting work?',
    'Can we automate follow-up emails?',
    'What is your refund policy?',
    'Where is the data hosted?',
    'OK, I will talk to my team.',
  ],
];

export interface VisitorPlan {
  url: string;
  siteKey: string;
  /** Picks the conversation and seeds the think-time jitter. */
  index: number;
  turns: number;
  /** Mean pause between a reply (or refusal) and the next message; each pause is drawn from [0.5, 1.5] × this. */
  thinkMs: number;
  /** performance.now() after which no new message is sent (the one awaiting its ack is still awaited). */
  stopSendingAt: number;
  /** How long a message may wait for its acknowledgement before it counts as unanswered. */
  ackTimeoutMs: number;
  /** Sent as X-Forwarded-For, so a server trusting one proxy hop counts this visitor as its own client (per-IP limits). */
  ip?: string;
}

type Ack = { ok: boolean; error?: { code: string }; sessionId?: string; visitorTurnId?: string; turnId?: string; text?: string; duplicate?: boolean };

/** A deterministic draw in [0, 1) per (visitor, turn), so runs pause alike. */
const jitter = (index: number, turn: number) => (Math.imul(index * 7919 + turn * 104729 + 1, 2654435761) >>> 0) / 2 ** 32;

/**
 * One widget visitor: opens a socket, starts a session, then sends its conversation's messages one
 * at a time, each after the previous was answered or refused and a think pause. Every message is
 * pushed to `sent` when it goes out (unanswered until its ack says otherwise), so a run cut short
 * still accounts for it. Resolves with the session id, or null when the session could not start.
 */
export async function visit(plan: VisitorPlan, sent: SentTurn[], abort: AbortSignal): Promise<{ sessionId: string | null; error?: string }> {
  const socket: Socket = io(`${plan.url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(plan.ip ? { extraHeaders: { 'x-forwarded-for': plan.ip } } : {}),
  });
  const byId = new Map<string, SentTurn>();
  socket.on('reply:delta', (d: { clientMessageId: string; text: string }) => {
    const turn = byId.get(d.clientMessageId);
    if (!turn) return;
    turn.firstDeltaAt ??= performance.now();
    turn.streamed += d.text;
  });
  socket.on('reply:final', (f: { clientMessageId: string }) => {
    const turn = byId.get(f.clientMessageId);
    if (turn) turn.finals++;
  });
  const request = (event: string, payload: unknown) => socket.timeout(plan.ackTimeoutMs).emitWithAck(event, payload) as Promise<Ack>;
  // Cut short: the socket closes, so an ack still awaited fails at once (the message stays unanswered).
  const closed = new Promise<void>((resolve) => abort.addEventListener(
      'abort',
      () => {
        socket.close();
        resolve();
      },
      { once: true },
    ));
  const pause = (ms: number) => Promise.race([new Promise<void>((r) => setTimeout(r, ms)), closed]);
  try {
    let started: Ack;
    try {
      started = await request('session:start', { siteKey: plan.siteKey });
    } catch (err) {
      return { sessionId: null, error: (err as Error).message };
    }
    if (!started.ok || !started.sessionId) return { sessionId: null, error: started.error?.code ?? 'no session id' };
    const script = conversations[plan.index % conversations.length];
    for (let t = 0; t < plan.turns && !abort.aborted && performance.now() < plan.stopSendingAt; t++) {
      const turn: SentTurn = { sessionId: started.sessionId, clientMessageId: `v${plan.index}-t${t}`, sentAt: performance.now(), streamed: '', finals: 0, outcome: { kind: 'unanswered' } };
      byId.set(turn.clientMessageId, turn);
      sent.push(turn);
      try {
        const ack = await request('message:send', { clientMessageId: turn.clientMessageId, text: script[t % script.length] });
        const at = performance.now();
        turn.outcome = ack.ok
          ? { kind: 'replied', at, visitorTurnId: ack.visitorTurnId ?? '', turnId: ack.turnId ?? '', text: ack.text ?? '', duplicate: ack.duplicate === true }
          : { kind: 'refused', at, code: ack.error?.code ?? 'unknown' };
      } catch {
        // No ack in time, or the socket closed: the message stays unanswered, and the visitor leaves.
        break;
      }
      await pause(plan.thinkMs * (0.5 + jitter(plan.index, t)));
    }
    return { sessionId: started.sessionId };
  } finally {
    socket.close();
  }
}
