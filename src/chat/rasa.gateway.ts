import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { randomBytes } from 'node:crypto';
import { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../database';
import { LiveEvent, LiveEvents } from '../handoff';
import { ContextOverflowError } from '../model';
import { PolicyBusyError } from '../policy';
import { TextInputError, validateTurnText } from '../scoring';
import { ChatSessionRepository, SessionClosedError } from '../sessions';
import { refuseConnectionsWhileDraining, ShutdownDrain, ShuttingDownError } from '../shutdown';
import { originHeader, SiteAccess, SiteAccessError } from '../sites';
import { SocketConnections } from './socket-connections';
import { TurnLoop } from './turn-loop';

const sessionId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const sessionRequestSchema = z.object({ session_id: sessionId.nullish(), customData: z.object({ siteKey: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional() }).passthrough().nullish() }).passthrough().nullish();
const userUtteredSchema = z.object({ message: z.string(), session_id: sessionId.nullish(), customData: z.unknown().optional() }).passthrough();

/** The session a Rasa event speaks for, for the event limiter: the payload's `session_id`, else the socket's. */
const rasaSessionOf = (socket: Socket, [payload]: unknown[]): string | undefined => {
  const id = typeof payload === 'object' && payload !== null ? (payload as { session_id?: unknown }).session_id : undefined;
  return typeof id === 'string' ? id.slice(0, 128) : (socket.data.rasaSessionId as string | undefined);
};

/** Site key for Rasa clients that send none in `customData.siteKey`. */
const RASA_DEFAULT_SITE = 'rasa';

/** The events of Rasa's socket.io input channel; anything else is answered with `unknown_event`. */
const RASA_EVENTS = new Set(['session_request', 'user_uttered']);

/**
 * Rasa's socket.io input channel, on the default namespace and path (`/socket.io/`), so a site's
 * existing Rasa web chat front end can point at Closer unchanged: `session_request` →
 * `session_confirm` (the session id, generated when the client sends none), `user_uttered`
 * `{ message, session_id }` → `bot_uttered` `{ text }` to the session's room. A person's messages and
 * the handoff notices come as `bot_uttered` too, marked in `metadata` (`author: 'person'` and the
 * name; `author: 'system'` and the handoff state): never passed off as the AI's.
 */
@WebSocketGateway()
export class RasaGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(RasaGateway.name);
  @WebSocketServer() private readonly server!: Namespace;

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly turns: TurnLoop,
    private readonly siteAccess: SiteAccess,
    private readonly connections: SocketConnections,
    events: LiveEvents,
    private readonly drain: ShutdownDrain,
  ) {
    events.subscribe((e) => this.toVisitor(e));
  }

  afterInit(server: Namespace): void {
    refuseConnectionsWhileDraining(server, this.drain);
  }

  private toVisitor(e: LiveEvent): void {
    if ((e.type !== 'person' && e.type !== 'state') || e.session.channel !== 'rasa' || !e.session.rasaSessionId) return;
    const room = this.server.to(e.session.rasaSessionId);
    if (e.type === 'person') room.emit('bot_uttered', { text: e.turn.text, metadata: { author: 'person', name: e.turn.authorName } });
    else room.emit('bot_uttered', { text: e.notice.text, metadata: { author: 'system', handoff: e.state } });
  }

  /**
   * A reply written after a restart for a message the crash left unanswered. Rasa clients never
   * resend, so it goes to the session's room as soon as a client is in it (it rejoins with
   * `session_request` when it reconnects), waiting up to `waitMs`; false if none came.
   */
  async deliverLate(rasaSessionId: string, text: string, waitMs: number, stop: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while ((await this.server.in(rasaSessionId).fetchSockets()).length === 0) {
      if (stop.aborted || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
    this.server.to(rasaSessionId).emit('bot_uttered', { text });
    return true;
  }

  /** Rasa has no error event and no acknowledgements: Closer's `chat:error` (and the ack, if the client sent one) carries it. */
  handleConnection(socket: Socket): void {
    this.connections.accept(socket, { namespace: 'rasa', events: RASA_EVENTS, sessionOf: rasaSessionOf });
  }

  @SubscribeMessage('session_request')
  async sessionRequest(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<void> {
    const parsed = sessionRequestSchema.safeParse(payload);
    if (!parsed.success) return this.fail(socket, 'invalid_payload', 'session_request: session_id must be 1-128 letters, digits, _ or -');
    const siteKey = parsed.data?.customData?.siteKey ?? RASA_DEFAULT_SITE;
    try {
      await this.siteAccess.assertMayStart(siteKey, originHeader(socket.handshake.headers));
    } catch (err) {
      if (err instanceof SiteAccessError) return this.fail(socket, err.code, err.message);
      throw err;
    }
    const id = parsed.data?.session_id ?? randomBytes(16).toString('hex');
    socket.data.rasaSessionId = id;
    socket.data.siteKey = siteKey;
    await socket.join(id);
    socket.emit('session_confirm', id);
  }

  @SubscribeMessage('user_uttered')
  async userUttered(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<void> {
    const parsed = userUtteredSchema.safeParse(payload);
    if (!parsed.success) return this.fail(socket, 'invalid_payload', 'user_uttered needs { message: string, session_id }');
    const id = parsed.data.session_id ?? socket.data.rasaSessionId;
    if (!id) return this.fail(socket, 'no_session', 'send session_request first, or a session_id with each message');
    try {
      validateTurnText(parsed.data.message, 'message');
      await this.siteAccess.assertMayStart(socket.data.siteKey ?? RASA_DEFAULT_SITE, originHeader(socket.handshake.headers));
      const session = await this.sessions.findOrStartRasa(id, socket.data.siteKey ?? RASA_DEFAULT_SITE);
      // Rasa messages carry no id: each one is a new turn.
      const messageId = `rasa-${randomBytes(8).toString('hex')}`;
      const { reply } = await this.turns.handle(session.id, messageId, parsed.data.message, { streams: false, typing: () => undefined, delta: () => undefined });
      // A person holds the session: their answer comes when they write it.
      if (!reply) return;
      socket.nsp.to(id).emit('bot_uttered', { text: reply.text });
      if (!socket.rooms.has(id)) socket.emit('bot_uttered', { text: reply.text });
    } catch (err) {
      if (err instanceof TextInputError || err instanceof PolicyBusyError || err instanceof ContextOverflowError || err instanceof SessionClosedError || err instanceof ShuttingDownError || err instanceof SiteAccessError) return this.fail(socket, err.code, err.message);
      if (isDatabaseUnavailable(err)) {
        this.logger.warn(`user_uttered: database unavailable (${(err as Error).message})`);
        return this.fail(socket, DATABASE_UNAVAILABLE.code, DATABASE_UNAVAILABLE.message);
      }
      this.logger.error({ err }, 'rasa user_uttered failed');
      this.fail(socket, 'internal', 'something went wrong; please retry');
    }
  }

  /** Rasa has no error event; Closer's `chat:error` carries the code for clients that listen. */
  private fail(socket: Socket, code: string, message: string): void {
    socket.emit('chat:error', { code, message });
  }
}
