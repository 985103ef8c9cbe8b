import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of `target` (the test Redis): `cut()` makes the target
 * unreachable to whatever connected through it (connections dropped, new ones refused) without
 * touching the target, shared with other tests; `listen()` opens it (the same port again after a cut).
 */
export class TcpProxy {
  private server?: Server;
  private readonly open = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.open.add(socket);
        socket.once('close', () => this.open.delete(socket));
        socket.on('error', () => (socket === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) =>
      server.once('error', reject).listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  cut(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A proxy to the Redis at `url`, open. */
export async function redisProxy(url: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  const proxy = new TcpProxy({ host: hostname, port: Number(port || 6379) });
  await proxy.listen();
  return proxy;
}
