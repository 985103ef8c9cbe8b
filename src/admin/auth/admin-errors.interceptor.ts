import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { HandoffError } from '../../handoff';
import { httpError } from '../../http';
import { RunQueueError } from '../../jobs/run-queue-error';
import { RegistryError } from '../../registry/registry-error';
import { ComplianceRuleError } from '../../rules';
import { UnknownPersonaError } from '../../simulator/persona';
import { PersonaExistsError } from '../../simulator/persona.repository';
import { ApiKeyError } from '../api-keys/api-keys.repository';

/** Codes that name something missing; every other refusal is a conflict with the current state. */
const notFound = new Set(['unknown_version', 'unknown_run', 'unknown_api_key', 'unknown_persona', 'unknown_rule', 'unknown_session', 'unknown_handoff_rule']);

/**
 * The registry's, the run queue's, the key store's, the persona store's, the rule store's and the handoffs' refusals (each changed nothing) as
 * `{ code, message }` HTTP errors: 404 for an unknown target, 409 for a state that forbids it.
 */
@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        if (
          err instanceof RegistryError ||
          err instanceof RunQueueError ||
          err instanceof ApiKeyError ||
          err instanceof UnknownPersonaError ||
          err instanceof PersonaExistsError ||
          err instanceof ComplianceRuleError ||
          err instanceof HandoffError
        ) {
          return throwError(() => httpError(notFound.has(err.code) ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT, err.code, err.message));
        }
        return throwError(() => err);
      }),
    );
  }
}
