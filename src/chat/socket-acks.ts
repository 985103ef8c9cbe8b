import { Logger } from '@nestjs/common';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../database';
import { ShuttingDownError } from '../shutdown';

export type Ack = { ok: true } & Record<string, unknown>;
export type Nack = { ok: false; error: { code: string; message: string } };
export type AckError = Nack['error'];

/**
 * Runs a socket request's handler and answers its acknowledgement: the handler's `{ ok: true, … }`,
 * or `{ ok: false, error }` with the failure's own code when `known` recognises it (or it is
 * `shutting_down`), `unavailable` while the database cannot be reached (a warning: retrying later
 * works), else `internal` (logged: the client learns nothing of the cause). `failed` sees every
 * error answered.
 */
export async function acknowledged(
  handler: () => Promise<Ack>,
  { event, logger, known, failed }: { event: string; logger: Logger; known: (err: unknown) => err is Error & { code: string }; failed?: (error: AckError) => void },
): Promise<Ack | Nack> {
  try {
    return await handler();
  } catch (err) {
    const expected = known(err) || err instanceof ShuttingDownError;
    const unavailable = !expected && isDatabaseUnavailable(err);
    if (unavailable) logger.warn(`${event}: database unavailable (${(err as Error).message})`);
    else if (!expected) logger.error({ err, event }, 'socket handler failed');
    const error = expected ? { code: err.code, message: err.message } : unavailable ? { ...DATABASE_UNAVAILABLE } : { code: 'internal', message: 'something went wrong; please retry' };
    failed?.(error);
    return { ok: false, error };
  }
}
