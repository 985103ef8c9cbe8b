import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerOptions } from 'socket.io';
import helmet from 'helmet';

/** Which browser origins may reach the widget's assets and socket.io (implemented by the sites' SiteAccess). */
export interface OriginPolicy {
  mayConnect(origin: string | undefined, host: string | undefined): Promise<boolean>;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const originOf = (req: Pick<IncomingMessage, 'headers'>) => (typeof req.headers.origin === 'string' ? req.headers.origin : undefined);

/**
 * Security headers on every HTTP response (helmet). The CSP fits what the server's own pages load:
 * the demo page and the dashboard take scripts only from this origin (the widget, Chart.js and
 * socket.io's client are all served here), styles from here or inline (the demo page's `<style>`,
 * the widget's shadow DOM, Swagger UI), images from here or `data:`, and connect only back here
 * (fetch and socket.io). No `upgrade-insecure-requests`: TLS is the terminating proxy's, and a
 * plain-HTTP deployment (or a test) would break on it.
 */
export const securityHeaders = (): Middleware =>
  helmet({
    contentSecurityPolicy: {
      directives: {
        'style-src': ["'self'", "'unsafe-inline'"],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': null,
      },
    },
  }) as Middleware;

/**
 * `/widget.js` is embedded by customers' pages: it may be loaded cross-origin (helmet's
 * Cross-Origin-Resource-Policy would block it), and gets CORS for the origins the sites allow.
 */
export function widgetAssetHeaders(policy: OriginPolicy): Middleware {
  return (req, res, next) => {
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Vary', 'Origin');
    const origin = originOf(req);
    if (origin === undefined) return next();
    policy.mayConnect(origin, req.headers.host).then((allowed) => {
      if (allowed) res.setHeader('Access-Control-Allow-Origin', origin);
      next();
    }, next);
  };
}

/**
 * socket.io's server-wide options (every namespace shares them): the largest frame a client may send
 * (a bigger one closes its connection), CORS for the polling transport and a handshake check for
 * both transports with the same origin policy as the widget's assets, and `admitClient` (the event
 * limiter's per-IP budget) for each new connection.
 */
export function socketServerOptions(policy: OriginPolicy, admitClient: (req: IncomingMessage) => Promise<boolean>, maxMessageBytes: number): Partial<ServerOptions> {
  return {
    maxHttpBufferSize: maxMessageBytes,
    cors: (req, callback) => {
      policy.mayConnect(originOf(req), req.headers.host).then(
        (allowed) => callback(null, { origin: allowed ? originOf(req) ?? false : false }),
        (err: Error) => callback(err, { origin: false }),
      );
    },
    allowRequest: (req, callback) => {
      policy.mayConnect(originOf(req), req.headers.host).then(
        async (allowed) => {
          if (!allowed) return callback('origin_not_allowed', false);
          const admitted = await admitClient(req);
          callback(admitted ? null : 'rate_limited', admitted);
        },
        () => callback('unavailable', false),
      );
    },
  };
}
