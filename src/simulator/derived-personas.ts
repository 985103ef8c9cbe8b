import { ProductCatalog } from '../catalog';
import { redactPii } from '../privacy';
import { featuresIn, OBJECTION_CUES, statedSeats } from '../scoring';
import { OBJECTIONS, Persona } from './persona';

/** A logged live session reduced to what persona derivation needs. */
export interface LoggedSessionSummary {
  sessionId: string;
  /** The visitor's first messages, oldest first. */
  visitorMessages: string[];
  converted: boolean;
}

/** The key of the persona derived from a logged session (also how an erasure finds it again). */
export const derivedPersonaKey = (sessionId: string) => `live-${sessionId.slice(0, 8).toLowerCase()}`;

/**
 * Turns logged live sessions into personas, so training starts from real openings: the first
 * visitor message becomes the opening, needs and objections are read off the visitor's words,
 * and buying intent follows the session's outcome. Sessions that name no catalog feature are
 * skipped (the simulator needs at least one need to play the visitor). The messages are redacted
 * here, whatever was stored (STORE_RAW_TEXT, rows written before redaction): every persona import
 * and every run's training data comes through this function.
 */
export function derivePersonas(sessions: LoggedSessionSummary[], catalog: ProductCatalog, template: Persona): Persona[] {
  const personas: Persona[] = [];
  for (const s of sessions) {
    const messages = s.visitorMessages.map(redactPii);
    const said = messages.join('\n');
    const needs = featuresIn(said, catalog);
    if (needs.length === 0 || !messages[0]) continue;
    const seats = statedSeats(messages.map((text) => ({ role: 'visitor' as const, text })));
    personas.push({
      ...template,
      id: derivedPersonaKey(s.sessionId),
      name: 'Live visitor',
      companySize: seats ? Math.max(1, seats) : template.companySize,
      needs,
      objections: OBJECTIONS.filter((o) => OBJECTION_CUES[o].test(said)),
      buyingIntent: s.converted ? 0.75 : 0.35,
      opening: messages[0],
    });
  }
  return personas;
}
