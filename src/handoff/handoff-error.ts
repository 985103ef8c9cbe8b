/** A handoff request that cannot be honoured in the session's current state; nothing was changed. */
export class HandoffError extends Error {
  constructor(
    readonly code: 'unknown_session' | 'session_closed' | 'already_taken' | 'not_taken' | 'unknown_handoff_rule' | 'handoff_rule_exists',
    message: string,
  ) {
    super(message);
    this.name = 'HandoffError';
  }
}
