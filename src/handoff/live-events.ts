import { Injectable, Logger } from '@nestjs/common';
import { Turn } from '../sessions';
import { HandoffView, LiveSession } from './handoff.repository';

/** Who answers the visitor, as the widget shows it: the AI, the AI while a person was asked for, or a person. */
export type VisitorSideState = 'agent' | 'waiting' | 'person';

/** What happened in a live session, for the sockets to pass on. */
export type LiveEvent =
  /** A turn was stored (visitor, agent, person or notice): for the dashboards watching the session. */
  | { type: 'turn'; sessionId: string; turn: Turn }
  /** A person's message, for the visitor's channel. */
  | { type: 'person'; session: LiveSession; turn: Turn }
  /** Who answers the visitor changed; `notice` (a stored system turn) tells the visitor. */
  | { type: 'state'; session: LiveSession; state: VisitorSideState; name: string | null; notice: Turn }
  /** A handoff was requested, taken, handed back, or closed with its session: for every dashboard. */
  | { type: 'handoff'; change: 'waiting' | 'taken' | 'released' | 'closed'; handoff: HandoffView };

export type LiveEventListener = (event: LiveEvent) => void;

/**
 * The in-process hub between what changes a session (the turn loop, the operators' requests) and
 * the gateways that tell sockets. Each event is published once, by the process that stored it; the
 * gateways emit through their socket.io server, so a socket.io adapter (Redis) can later carry it
 * to sockets on other replicas.
 */
@Injectable()
export class LiveEvents {
  private readonly logger = new Logger(LiveEvents.name);
  private readonly listeners = new Set<LiveEventListener>();

  /** Listens for the app's lifetime (the gateways and the turn loop live as long as the app). */
  subscribe(listener: LiveEventListener): void {
    this.listeners.add(listener);
  }

  /** Tells every listener; one that throws is logged, and neither the others nor the publisher are affected. */
  publish(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'live event listener failed');
      }
    }
  }
}
