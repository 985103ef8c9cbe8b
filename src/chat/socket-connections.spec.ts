import { EventEmitter } from 'node:events';
import { Socket } from 'socket.io';
import { ChatMetrics } from '../metrics';
import { EventLimiter } from './event-limiter';
import { SocketConnections } from './socket-connections';

type Middleware = (packet: unknown[], next: (err?: Error) => void) => void;

/** A socket that records its middlewares and what it emits, and can be disconnected. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), { id: 's1', middlewares: [] as Middleware[], emitted: [] as unknown[][] });
  const emit = socket.emit.bind(socket);
  return Object.assign(socket, {
    use: (m: Middleware) => socket.middlewares.push(m),
    emit: (...args: [string, ...unknown[]]) => (socket.emitted.push(args), emit(...args)),
  });
}

describe('SocketConnections', () => {
  it('limits every event before answering unknown ones, and counts the socket until it disconnects', () => {
    const calls: string[] = [];
    const limiter = { limit: (s: ReturnType<typeof fakeSocket>) => s.use(((_p, next) => (calls.push('limited'), next())) as Middleware) };
    const metrics = { socketOpened: (ns: string) => calls.push(`opened ${ns}`), socketClosed: (ns: string) => calls.push(`closed ${ns}`) };
    const connections = new SocketConnections(limiter as unknown as EventLimiter, metrics as unknown as ChatMetrics);
    const socket = fakeSocket();

    connections.accept(socket as unknown as Socket, { namespace: 'admin', events: new Set(['session:watch']) });
    expect(calls).toEqual(['opened admin']);

    const ack = jest.fn();
    const passed = jest.fn();
    const run = (packet: unknown[]) => socket.middlewares.reduceRight<() => void>((next, m) => () => m(packet, next), passed)();
    run(['session:watch', {}, ack]);
    run(['session:typo', {}, ack]);
    expect(calls).toEqual(['opened admin', 'limited', 'limited']);
    expect(passed).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith({ ok: false, error: expect.objectContaining({ code: 'unknown_event' }) });

    socket.emit('disconnect', 'client namespace disconnect');
    socket.emit('disconnect', 'again');
    expect(calls.filter((c) => c.startsWith('closed'))).toEqual(['closed admin']);
  });
});
