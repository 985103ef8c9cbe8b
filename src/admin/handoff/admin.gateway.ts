import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { Ack, acknowledged, Nack } from '../../chat/socket-acks';
import { SocketConnections } from '../../chat/socket-connections';
import { HandoffRepository, LiveEvent, LiveEvents, liveTurnView } from '../../handoff';
import { ChatSessionRepository } from '../../sessions';
import { AdminActor, ApiKeysRepository } from '../api-keys/api-keys.repository';

const EVENTS = { watch: 'session:watch', unwatch: 'session:unwatch' } as const;
const knownEvents = new Set<string>(Object.values(EVENTS));
const watchPayload = z.object({ sessionId: z.uuid('sessionId must be a session id (UUID)') }).strict();

/** The sockets watching a session's turns. */
const watchRoom = (sessionId: string) => `watch:${sessionId}`;

class AdminSocketError extends Error {
  constructor(
    readonly code: 'unauthorized' | 'invalid_payload' | 'unknown_session',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The dashboards' live feed, socket.io namespace `/admin` (docs/admin.md#handoff). The API key
 * comes in the handshake (`auth: { key }`, any role) and is checked like the REST API's; a bad
 * one is refused with a connect_error `unauthorized`. Every socket hears `handoff:waiting`,
 * `handoff:taken` and `handoff:released`; `session:watch` adds a session's stored turns as they
 * come (`session:turn`). Everything is emitted through the namespace, so an adapter can carry it
 * to sockets on other replicas.
 */
@WebSocketGateway({ namespace: '/admin' })
export class AdminGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(AdminGateway.name);
  @WebSocketServer() private readonly server!: Namespace;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: ChatSessionRepository,
    private readonly handoffs: HandoffRepository,
    private readonly connections: SocketConnections,
    events: LiveEvents,
  ) {
    events.subscribe((e) => this.toDashboards(e));
  }

  afterInit(nsp: Namespace): void {
    nsp.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (err: unknown) => next(err instanceof AdminSocketError ? new Error(err.code) : new Error('unavailable')),
      );
    });
  }

  handleConnection(socket: Socket): void {
    this.connections.accept(socket, { namespace: 'admin', events: knownEvents });
  }

  /** Joins the session's watchers and answers with its turns so far (a turn stored meanwhile may come both ways: keep one per turnId) and its open handoff. */
  @SubscribeMessage(EVENTS.watch)
  watch(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return this.guard(socket, EVENTS.watch, async () => {
      const { sessionId } = this.parse(payload);
      // The key is checked again: one revoked since the handshake watches nothing more.
      await this.authenticate(socket);
      const session = await this.sessions.findById(sessionId);
      if (!session) throw new AdminSocketError('unknown_session', `no session ${sessionId}`);
      await socket.join(watchRoom(sessionId));
      const history = (await this.sessions.history(sessionId)).map((t) => liveTurnView(sessionId, t));
      return { ok: true, sessionId, status: session.status, history, handoff: (await this.handoffs.open(sessionId)) ?? null };
    });
  }

  @SubscribeMessage(EVENTS.unwatch)
  unwatch(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return this.guard(socket, EVENTS.unwatch, async () => {
      const { sessionId } = this.parse(payload);
      await socket.leave(watchRoom(sessionId));
      return { ok: true, sessionId };
    });
  }

  private toDashboards(e: LiveEvent): void {
    if (e.type === 'turn') this.server.to(watchRoom(e.sessionId)).emit('session:turn', liveTurnView(e.sessionId, e.turn));
    else if (e.type === 'handoff') {
      const { change, handoff } = e;
      // A handoff closed with its session is over for the dashboards too.
      const event = change === 'closed' ? 'released' : change;
      this.server.emit(`handoff:${event}`, { ...handoff, by: change === 'taken' ? handoff.takenBy : change === 'waiting' ? null : handoff.endedBy });
    }
  }

  private async authenticate(socket: Socket): Promise<AdminActor> {
    const key: unknown = socket.handshake.auth?.key;
    const actor = typeof key === 'string' ? await this.keys.authenticate(key) : undefined;
    if (!actor) throw new AdminSocketError('unauthorized', 'send a valid admin API key in the handshake: io("/admin", { auth: { key } })');
    return actor;
  }

  private parse(payload: unknown): { sessionId: string } {
    const parsed = watchPayload.safeParse(payload);
    if (!parsed.success) throw new AdminSocketError('invalid_payload', parsed.error.issues.map((i) => i.message).join('; '));
    return parsed.data;
  }

  /** Runs a handler and answers any failure through the ack; a key revoked since the handshake also ends the connection. */
  private guard(socket: Socket, event: string, handler: () => Promise<Ack>): Promise<Ack | Nack> {
    return acknowledged(handler, {
      event,
      logger: this.logger,
      known: (err): err is AdminSocketError => err instanceof AdminSocketError,
      failed: (error) => {
        if (error.code === 'unauthorized') setImmediate(() => socket.disconnect(true));
      },
    });
  }
}
