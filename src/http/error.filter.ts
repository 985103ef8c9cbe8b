import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import type { ServerResponse } from 'node:http';
import { ErrorBody, errorBodyOf } from './error-body';

/**
 * Every HTTP error is answered `{ code, message }`. Client errors (4xx) are the client's mistake:
 * the request log line carries them at `warn`; only server failures are logged here, with the stack.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');
  private readonly ws = new BaseWsExceptionFilter();

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return this.ws.catch(err, host); // the gateways answer their own errors
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const status = err instanceof HttpException ? err.getStatus() : 500;
    const body: ErrorBody = err instanceof HttpException ? errorBodyOf(err) : { code: 'internal', message: 'something went wrong; please retry' };
    if (status >= 500) this.logger.error({ err }, 'request failed');
    // An aborted request has nobody to answer.
    if (res.headersSent || res.destroyed) return;
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}
