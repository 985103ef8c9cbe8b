import { io, Socket } from 'socket.io-client';
import { HistoryTurn } from '../scoring';
import { Persona } from './persona';
import { SessionOutcome, UserSimulator } from './simulator';

export interface DriveOptions {
  /** The server's base URL (`http://127.0.0.1:3000`). */
  url: string;
  siteKey: string;
  simulator: UserSimulator;
  personas: Persona[];
  visitors: number;
  /** Visitors chatting at once. */
  concurrency: number;
  seed: number;
  /** Longest wait for one reply. */
  replyTimeoutMs: number;
  /** One line per finished visitor (progress). */
  onVisitor?: (v: DrivenVisitor) => void;
}

export interface DrivenVisitor {
  personaId: string;
  seed: number;
  sessionId?: string;
  agentTurns: number;
  outcome?: SessionOutcome;
  /** Why the conversation stopped early (a refused request, a timeout), as `code: message`. */
  error?: string;
}

export interface DriveSummary {
  visitors: number;
  finished: number;
  converted: number;
  conversionRate: number;
  meanAgentTurns: number;
  errors: Record<string, number>;
}

type Ack = { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown };

class DriveError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Plays simulated visitors through the real `/chat` socket.io protocol of a running server, as the
 * widget does (docs/protocol.md): start a session, send each message and wait for the stored
 * reply, report the call to action when the visitor buys, end the session. So canaries, the
 * dashboard and the fidelity report can be exercised without real customers.
 */
export async function driveVisitors(o: DriveOptions): Promise<{ summary: DriveSummary; visitors: DrivenVisitor[] }> {
  const results: DrivenVisitor[] = [];
  let next = 0;
  const worker = async () => {
    while (next < o.visitors) {
      const i = next++;
      const persona = o.personas[i % o.personas.length];
      const result = await driveOne(o, persona, (o.seed * 100_003 + i) >>> 0);
      results.push(result);
      o.onVisitor?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.visitors) }, worker));
  return { summary: summarizeDrive(results), visitors: results };
}

export function summarizeDrive(results: DrivenVisitor[]): DriveSummary {
  const finished = results.filter((r) => r.outcome);
  const converted = finished.filter((r) => r.outcome!.converted).length;
  const errors: Record<string, number> = {};
  for (const r of results) if (r.error) errors[r.error.split(':')[0]] = (errors[r.error.split(':')[0]] ?? 0) + 1;
  return {
    visitors: results.length,
    finished: finished.length,
    converted,
    conversionRate: finished.length ? converted / finished.length : 0,
    meanAgentTurns: results.length ? results.reduce((a, r) => a + r.agentTurns, 0) / results.length : 0,
    errors,
  };
}

async function driveOne(o: DriveOptions, persona: Persona, seed: number): Promise<DrivenVisitor> {
  const result: DrivenVisitor = { personaId: persona.id, seed, agentTurns: 0 };
  const socket = io(`${o.url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false });
  try {
    await connected(socket, o.replyTimeoutMs);
    const ask = async (event: string, payload?: unknown) => {
      const ack = (await socket.timeout(o.replyTimeoutMs).emitWithAck(event, payload)) as Ack;
      if (!ack.ok) throw new DriveError(ack.error?.code ?? 'error', ack.error?.message ?? 'refused');
      return ack;
    };
    const started = await ask('session:start', { siteKey: o.siteKey });
    result.sessionId = String(started.sessionId);
    const visitor = o.simulator.visitor(persona.id, seed);
    const history: HistoryTurn[] = [];
    let text = await visitor.opening();
    for (let turn = 0; ; turn++) {
      history.push({ role: 'visitor', text });
      const reply = await ask('message:send', { clientMessageId: `drive-${seed}-${turn}`, text });
      if (reply.heldByPerson) throw new DriveError('held_by_person', 'a person took the session over');
      history.push({ role: 'agent', text: String(reply.text) });
      result.agentTurns++;
      const step = await visitor.respond(history);
      if (step.kind === 'end') {
        result.outcome = step.outcome;
        if (step.outcome.converted) await ask('conversion:report', { ctaId: 'drive-cta', value: step.outcome.value });
        break;
      }
      text = step.text;
    }
    await ask('session:end');
  } catch (err) {
    result.error = err instanceof DriveError ? `${err.code}: ${err.message}` : `failed: ${(err as Error).message}`;
  } finally {
    socket.close();
  }
  return result;
}

function connected(socket: Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DriveError('connect_timeout', `no connection within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(new DriveError('connect_error', err.message));
    });
  });
}
