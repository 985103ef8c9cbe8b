import { Socket } from 'socket.io';

/**
 * socket.io drops events no handler listens to, so a client with a typo waits forever. Every other
 * event is answered with an `unknown_event` error: as a `chat:error` event, and through its
 * acknowledgement when the client asked for one. A middleware (not `onAny`, which runs before
 * them), so the event limiter registered earlier sees unknown events first.
 */
export function answerUnknownEvents(socket: Socket, known: ReadonlySet<string>): void {
  socket.use(([event, ...args], next) => {
    if (typeof event === 'string' && known.has(event)) return next();
    const name = String(event).slice(0, 64);
    const error = { code: 'unknown_event', message: `unknown event "${name}"; the events are ${[...known].join(', ')}` };
    socket.emit('chat:error', { event: name, ...error });
    const ack = args.at(-1);
    if (typeof ack === 'function') ack({ ok: false, error });
  });
}
