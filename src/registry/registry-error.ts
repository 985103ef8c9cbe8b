/** A registry request that cannot be honoured; nothing was changed. */
export class RegistryError extends Error {
  constructor(
    readonly code: 'unknown_version' | 'no_champion' | 'no_previous_champion' | 'champion_pinned' | 'champion_changed' | 'already_champion' | 'not_a_candidate' | 'adapter_over_adapter' | 'canary_running' | 'no_canary' | 'canary_changed',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
