import { ProductCatalog } from '../catalog';
import { OBJECTIONS, Objection, Persona } from './persona';

/** A logged live session reduced to what persona derivation needs. */
export interface LoggedSessionSummary {
  sessionId: string;
  /** The visitor's first messages, oldest first. */
  visitorMessages: string[];
  converted: boolean;
}

const OBJECTION_CUES: Record<Objection, RegExp> = {
  price: /expensive|budget|cheap|cost too|afford/i,
  security: /secur|soc ?2|gdpr|encrypt|privacy/i,
  integration: /integrat|slack|hubspot|zapier|api\b/i,
  switching: /switch|migrat|spreadsheet|import|moving/i,
  contract: /contract|cancel|lock|commit/i,
  trial: /trial|try it|demo/i,
};

/**
 * Turns logged live sessions into personas, so training starts from real openings: the first
 * visitor message becomes the opening, needs and objections are read off the visitor's words,
 * and buying intent follows the session's outcome. Sessions that name no catalog feature are
 * skipped (the simulator needs at least one need to play the visitor).
 */
export function derivePersonas(sessions: LoggedSessionSummary[], catalog: ProductCatalog, template: Persona): Persona[] {
  const personas: Persona[] = [];
  for (const s of sessions) {
    const said = s.visitorMessages.join(' ').toLowerCase();
    const needs = Object.entries(catalog.features)
      .filter(([, f]) => f.keywords.some((k) => new RegExp(`\\b${escape(k)}\\b`, 'i').test(said)))
      .map(([key]) => key);
    if (needs.length === 0 || !s.visitorMessages[0]) continue;
    const seats = /\b(\d{1,5})\s*(?:people|users|seats|reps|person)\b/i.exec(said);
    personas.push({
      ...template,
      id: `live-${s.sessionId.slice(0, 8).toLowerCase()}`,
      name: 'Live visitor',
      companySize: seats ? Math.max(1, Number(seats[1])) : template.companySize,
      needs,
      objections: OBJECTIONS.filter((o) => OBJECTION_CUES[o].test(said)),
      buyingIntent: s.converted ? 0.75 : 0.35,
      opening: s.visitorMessages[0],
    });
  }
  return personas;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
