import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's IP address, as Express computes `req.ip` with `trust proxy` set to `hops`: the peer
 * address when no proxy is trusted, else the X-Forwarded-For entry `hops` proxies back (an entry the
 * client wrote itself further left is never believed). socket.io handshakes use it too, so HTTP and
 * socket limits count the same client.
 */
export function clientAddress(peer: string | undefined, headers: IncomingHttpHeaders, hops: number): string {
  const forwarded = hops > 0 && typeof headers['x-forwarded-for'] === 'string' ? headers['x-forwarded-for'].split(',').map((a) => a.trim()).filter(Boolean) : [];
  // Nearest first: the peer, then the forwarded addresses from right to left.
  const chain = [peer ?? 'unknown', ...forwarded.reverse()];
  return chain[Math.min(hops, chain.length - 1)];
}
