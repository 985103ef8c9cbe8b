import { Namespace, Server } from 'socket.io';
import { ShutdownDrain, ShuttingDownError } from './drain';

/**
 * While the server drains, a new socket.io connection to `nsp` is refused: the client gets
 * `connect_error` with `data: { code: 'shutting_down' }` and, like the widget, reconnects later
 * (to this server's successor or another replica). Connections already open stay until the end.
 */
export function refuseConnectionsWhileDraining(nsp: Namespace | Server, drain: ShutdownDrain): void {
  nsp.use((_socket, next) => {
    if (!drain.draining) return next();
    const refused = new ShuttingDownError();
    next(Object.assign(new Error(refused.message), { data: { code: refused.code } }));
  });
}
