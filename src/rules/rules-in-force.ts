import { Injectable } from '@nestjs/common';
import { ComplianceRulesRepository, RuleSet } from './compliance-rules.repository';

/**
 * The compliance rules this server enforces. `current()` reads the table's revision (one indexed
 * row) and reloads the rules only when it moved, so every replica enforces a change from its next
 * turn on, without a restart or a message between servers.
 */
@Injectable()
export class RulesInForce {
  private latest: RuleSet | undefined;

  constructor(private readonly repository: ComplianceRulesRepository) {}

  /**
   * The same object for as long as the revision stands: callers may cache what they build from it
   * by identity. `revision`: the revision the caller already read (a turn reads it with its
   * session, see SitesRepository.sessionSite); while it is the one held, nothing is queried.
   */
  async current(revision?: number): Promise<RuleSet> {
    revision ??= await this.repository.revision();
    if (this.latest?.revision === revision) return this.latest;
    const loaded = await this.repository.inForce();
    // Two turns may load at once: an older answer never replaces a newer one.
    if (!this.latest || loaded.revision > this.latest.revision) this.latest = loaded;
    return this.latest;
  }
}
