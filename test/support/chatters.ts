import { io, Socket } from 'socket.io-client';
import { Ack } from './chat-client';

/** What became of one `message:send`: acknowledged (ok), refused with a code, or no answer at all (a hang). */
export interface Outcome {
  sessionId: string;
  clientMessageId: string;
  text: string;
  sentAt: number;
  ms: number;
  ok: boolean;
  code?: string;
  visitorTurnId?: string;
  turnId?: string;
  reply?: string;
}

/**
 * A widget visitor that keeps chatting: one message at a time (a new one as soon as the last is
 * answered, after `pauseMs`), each with its own id, until stopped. Every outcome is recorded; an
 * ack that does not come within `ackTimeoutMs` is recorded as code `hang`.
 */
export class Chatter {
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;
  private sent = 0;

  private constructor(
    readonly socket: Socket,
    readonly sessionId: string,
    readonly resumeToken: string,
    private readonly name: string,
  ) {}

  static async start(url: string, name: string, siteKey = 'demo-site'): Promise<Chatter> {
    const socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    const ack = (await socket.timeout(30_000).emitWithAck('session:start', { siteKey })) as Ack;
    if (!ack.ok) throw new Error(`session:start failed: ${ack.error?.code}`);
    return new Chatter(socket, ack.sessionId as string, ack.resumeToken as string, name);
  }

  run({ pauseMs = 50, ackTimeoutMs = 30_000 } = {}): void {
    this.loop = (async () => {
      while (!this.stopped && this.socket.connected) {
        await this.send(`${this.name}-${this.sent++}`, `Message ${this.sent} from ${this.name}: how much is the Growth plan?`, ackTimeoutMs);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  }

  async send(clientMessageId: string, text: string, ackTimeoutMs = 30_000): Promise<Outcome> {
    const sentAt = Date.now();
    const outcome: Outcome = { sessionId: this.sessionId, clientMessageId, text, sentAt, ms: 0, ok: false };
    try {
      const ack = (await this.socket.timeout(ackTimeoutMs).emitWithAck('message:send', { clientMessageId, text })) as Ack;
      Object.assign(outcome, ack.ok
        ? { ok: true, visitorTurnId: ack.visitorTurnId, turnId: ack.turnId, reply: ack.text }
        : { code: ack.error?.code });
    } catch {
      outcome.code = this.socket.connected ? 'hang' : 'disconnected';
    }
    outcome.ms = Date.now() - sentAt;
    this.outcomes.push(outcome);
    return outcome;
  }

  /** Acknowledged replies to messages sent after `since` (epoch ms). */
  repliesSince(since: number): number {
    return this.outcomes.filter((o) => o.ok && o.sentAt >= since).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.socket.disconnect();
  }
}

/** Polls `check` every 100 ms until it is true; fails naming `what` after `timeoutMs`. Resolves with the time it took. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The readiness status code, or 0 when the server does not answer. */
export async function readiness(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 0;
  }
}
