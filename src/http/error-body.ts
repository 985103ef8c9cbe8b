import { HttpException } from '@nestjs/common';

/** The one shape of every HTTP error body. */
export interface ErrorBody {
  code: string;
  message: string;
}

export const httpError = (status: number, code: string, message: string) => new HttpException({ code, message } satisfies ErrorBody, status);

const codesByStatus: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** A code for an error raised without one (Nest's built-in exceptions: 404 for an unknown route, …). */
export const codeForStatus = (status: number) => codesByStatus[status] ?? (status >= 500 ? 'internal' : 'bad_request');

/** An HttpException's body as `{ code, message }`, whatever shape it was raised with. */
export function errorBodyOf(err: HttpException): ErrorBody {
  const response = err.getResponse();
  if (typeof response === 'object' && response !== null) {
    const { code, message } = response as Record<string, unknown>;
    const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : err.message;
    return { code: typeof code === 'string' ? code : codeForStatus(err.getStatus()), message: text };
  }
  return { code: codeForStatus(err.getStatus()), message: String(response) };
}
