import { Injectable } from '@nestjs/common';
import { Socket } from 'socket.io';
import { ChatMetrics, SocketNamespace } from '../metrics';
import { EventLimiter, SessionOf } from './event-limiter';
import { answerUnknownEvents } from './unknown-events';

/** What a gateway says about its namespace: its name (the metrics label), its events, and the session an event speaks for. */
export interface SocketNamespaceSpec {
  namespace: SocketNamespace;
  events: ReadonlySet<string>;
  /** Omitted: the socket itself stands for the session. */
  sessionOf?: SessionOf;
}

/**
 * What every gateway does with a new socket, in one place so no namespace skips a step: every event
 * through the limiter first (unknown ones count too), then unknown events answered, and the socket
 * counted in `closer_active_sockets` until it disconnects.
 */
@Injectable()
export class SocketConnections {
  constructor(
    private readonly limiter: EventLimiter,
    private readonly metrics: ChatMetrics,
  ) {}

  accept(socket: Socket, { namespace, events, sessionOf = () => undefined }: SocketNamespaceSpec): void {
    this.limiter.limit(socket, sessionOf);
    answerUnknownEvents(socket, events);
    this.metrics.socketOpened(namespace);
    socket.once('disconnect', () => this.metrics.socketClosed(namespace));
  }
}
