import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Namespace, Socket } from 'socket.io';
import { HandoffService, LiveEvent, LiveEvents, turnAuthor } from '../handoff';
import { ChatMetrics } from '../metrics';
import { ContextOverflowError } from '../model';
import { PolicyBusyError } from '../policy';
import { TextInputError } from '../scoring';
import { ChatSessionRepository, SessionClosedError, Turn, VisitorIds, VisitorIdsDisabledError } from '../sessions';
import { originHeader, SiteAccess, SiteAccessError } from '../sites';
import { ChatError, parsePayload, reportConversionSchema, sendMessageSchema, startSessionSchema } from './protocol';
import { Ack, acknowledged, Nack } from './socket-acks';
import { refuseConnectionsWhileDraining, ShutdownDrain } from '../shutdown';
import { SocketConnections } from './socket-connections';
import { TurnLoop } from './turn-loop';

/** The requests of the protocol; anything else is answered with `unknown_event`. */
const EVENTS = { start: 'session:start', send: 'message:send', convert: 'conversion:report', end: 'session:end' } as const;
const knownEvents = new Set<string>(Object.values(EVENTS));

const publicTurn = (t: Turn) => ({ turnId: t.id, index: t.index, role: t.role, author: turnAuthor(t), text: t.text, clientMessageId: t.clientMessageId, createdAt: t.createdAt });

/** The room of a session's widget sockets: what a person writes, and who answers, reach every tab it is open in. */
const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/**
 * The widget protocol on namespace `/chat` (docs/protocol.md). Every request is acknowledged with
 * `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`; errors are also emitted as
 * `chat:error` events, and the socket stays usable.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() private readonly server!: Namespace;

  constructor(
    private readonly sessions: ChatSessionRepository,
    private readonly turns: TurnLoop,
    private readonly metrics: ChatMetrics,
    private readonly visitors: VisitorIds,
    private readonly handoffs: HandoffService,
    private readonly siteAccess: SiteAccess,
    private readonly connections: SocketConnections,
    events: LiveEvents,
    private readonly drain: ShutdownDrain,
  ) {
    events.subscribe((e) => this.toVisitor(e));
  }

  afterInit(nsp: Namespace): void {
    refuseConnectionsWhileDraining(nsp, this.drain);
  }

  /** A person's message and who answers now, to the session's widget sockets (through the server, so an adapter can fan it out). */
  private toVisitor(e: LiveEvent): void {
    if ((e.type !== 'person' && e.type !== 'state') || e.session.channel !== 'widget') return;
    const room = this.server.to(sessionRoom(e.session.id));
    if (e.type === 'person') room.emit('message:person', { turnId: e.turn.id, index: e.turn.index, text: e.turn.text, author: turnAuthor(e.turn), createdAt: e.turn.createdAt });
    else room.emit('handoff:state', { state: e.state, name: e.name, notice: { turnId: e.notice.id, index: e.notice.index, text: e.notice.text } });
  }

  /**
   * A reply written after a restart for a message the crash left unanswered, to the session's
   * widgets that have already resumed (the others find it in their history): shown whole, as a
   * retry's stored reply is (`duplicate: true`).
   */
  deliverLate(sessionId: string, reply: { clientMessageId: string; visitorTurnId: string; turnId: string; text: string }): void {
    this.server.to(sessionRoom(sessionId)).emit('reply:final', { ...reply, duplicate: true });
  }

  handleConnection(socket: Socket): void {
    this.connections.accept(socket, { namespace: 'chat', events: knownEvents, sessionOf: (s) => s.data.sessionId as string | undefined });
  }

  @SubscribeMessage(EVENTS.start)
  start(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return this.guard(socket, EVENTS.start, async () => {
      const { siteKey, resumeToken, visitorId } = parsePayload(startSessionSchema, payload);
      // The page's origin and the site key, checked before anything is stored or resumed.
      await this.siteAccess.assertMayStart(siteKey, originHeader(socket.handshake.headers));
      const visitorHash = visitorId === undefined ? null : this.visitorHash(siteKey, visitorId);
      if (resumeToken) {
        const session = await this.sessions.findByResumeToken(resumeToken);
        if (!session || session.siteKey !== siteKey) throw new ChatError('unknown_session', 'no session matches this resume token');
        // A token never carries a session over to another visitor (or from none to one): erasure by visitor must find only theirs.
        if (session.visitorHash !== visitorHash) throw new ChatError('unknown_session', 'no session of this visitor matches this resume token');
        if (session.status !== 'active') throw new ChatError('session_closed', `the session has ${session.status === 'ended' ? 'ended' : 'timed out'}; start a new one`);
        await this.attach(socket, session.id);
        return { ok: true, sessionId: session.id, resumeToken, resumed: true, history: (await this.sessions.history(session.id)).map(publicTurn), handoff: await this.handoffs.visitorSide(session.id) };
      }
      const { session, resumeToken: token } = await this.sessions.start(siteKey, 'widget', {}, visitorHash);
      await this.attach(socket, session.id);
      return { ok: true, sessionId: session.id, resumeToken: token, resumed: false, history: [], handoff: { state: 'agent', name: null } };
    });
  }

  @SubscribeMessage(EVENTS.send)
  send(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return this.guard(socket, EVENTS.send, async () => {
      const sessionId = await this.activeSession(socket);
      const { clientMessageId, text } = parsePayload(sendMessageSchema, payload);
      const result = await this.turns.handle(sessionId, clientMessageId, text, {
        streams: true,
        typing: () => socket.emit('typing', { clientMessageId }),
        delta: (piece) => socket.emit('reply:delta', { clientMessageId, text: piece }),
      });
      // A person holds the session: the message is stored for them, and no AI reply comes.
      if (result.heldByPerson) return { ok: true, clientMessageId, visitorTurnId: result.visitorTurn.id, duplicate: result.duplicate, heldByPerson: true };
      const final = { clientMessageId, visitorTurnId: result.visitorTurn.id, turnId: result.reply.id, text: result.reply.text, duplicate: result.duplicate };
      socket.emit('reply:final', final);
      return { ok: true, ...final };
    });
  }

  @SubscribeMessage(EVENTS.convert)
  convert(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return this.guard(socket, EVENTS.convert, async () => {
      const sessionId = await this.activeSession(socket, { allowClosed: true });
      const { ctaId, value, currency } = parsePayload(reportConversionSchema, payload);
      const id = await this.sessions.recordConversion({
        sessionId,
        source: 'widget',
        externalId: ctaId,
        value: value ?? 0,
        currency: currency ?? null,
        occurredAt: new Date(),
      });
      if (id !== undefined) this.metrics.conversionRecorded('widget');
      return { ok: true, duplicate: id === undefined };
    });
  }

  @SubscribeMessage(EVENTS.end)
  end(@ConnectedSocket() socket: Socket) {
    return this.guard(socket, EVENTS.end, async () => {
      await this.turns.endSession(await this.activeSession(socket));
      return { ok: true };
    });
  }

  private visitorHash(siteKey: string, visitorId: string): string {
    try {
      return this.visitors.hash(siteKey, visitorId);
    } catch (err) {
      if (err instanceof VisitorIdsDisabledError) throw new ChatError('invalid_payload', `visitorId: ${err.message}; start without one`);
      throw err;
    }
  }

  /** The socket speaks for this session from now on (a socket that started another one leaves its room). */
  private async attach(socket: Socket, sessionId: string): Promise<void> {
    if (socket.data.sessionId) await socket.leave(sessionRoom(socket.data.sessionId as string));
    socket.data.sessionId = sessionId;
    await socket.join(sessionRoom(sessionId));
  }

  private async activeSession(socket: Socket, { allowClosed = false } = {}): Promise<string> {
    const sessionId = socket.data.sessionId as string | undefined;
    if (!sessionId) throw new ChatError('no_session', 'send session:start first');
    const session = await this.sessions.findById(sessionId);
    if (!session) throw new ChatError('unknown_session', 'the session no longer exists');
    if (!allowClosed && session.status !== 'active') throw new ChatError('session_closed', `the session has ${session.status === 'ended' ? 'ended' : 'timed out'}`);
    return sessionId;
  }

  /** Runs a handler and turns any failure into an error ack plus a `chat:error` event. */
  private guard(socket: Socket, event: string, handler: () => Promise<Ack>): Promise<Ack | Nack> {
    return acknowledged(handler, {
      event,
      logger: this.logger,
      known: (err): err is ChatError | TextInputError | PolicyBusyError | ContextOverflowError | SessionClosedError | SiteAccessError =>
        err instanceof ChatError || err instanceof TextInputError || err instanceof PolicyBusyError || err instanceof ContextOverflowError || err instanceof SessionClosedError || err instanceof SiteAccessError,
      failed: (error) => socket.emit('chat:error', { event, ...error }),
    });
  }
}
