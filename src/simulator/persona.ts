import { z } from 'zod';
import { Objection, OBJECTIONS } from '../scoring';

export { Objection, OBJECTIONS };

const unit = z.number().min(0).max(1);

export const personaSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case slug'),
  name: z.string().min(1),
  role: z.string().min(1),
  company: z.string().min(1),
  /** Seats they would buy. */
  companySize: z.number().int().min(1).max(100000),
  /** Catalog feature keys they need. */
  needs: z.array(z.string().min(1)).min(1),
  /** Most they will pay per seat per month. */
  budgetPerSeat: z.number().positive(),
  objections: z.array(z.enum(OBJECTIONS)),
  /** Turns they give the agent before losing interest when nothing moves forward. */
  patience: z.number().int().min(2).max(20),
  /** How much canned, repetitive replies put them off. */
  botSensitivity: unit,
  /** How much a premature push to buy puts them off. */
  pushinessSensitivity: unit,
  buyingIntent: unit,
  /**
   * How far tactics the compliance rules forbid (guarantees, invented discounts, false urgency, …)
   * move this persona; only the persuadable visitor reads it (0 when absent: not at all).
   */
  susceptibility: unit.optional(),
  style: z.object({
    formality: z.enum(['casual', 'neutral', 'formal']),
    verbosity: z.enum(['terse', 'normal', 'chatty']),
    typos: z.boolean(),
  }),
  /** A real first message (personas derived from live sessions carry one). */
  opening: z.string().min(1).optional(),
});

export type Persona = z.infer<typeof personaSchema>;

export class UnknownPersonaError extends Error {
  readonly code = 'unknown_persona';
  constructor(id: string) {
    super(`unknown persona "${id}"`);
    this.name = 'UnknownPersonaError';
  }
}

/** Persona definitions that do not validate (a file, a table row, an admin edit); the message names the field. */
export class InvalidPersonasError extends Error {
  readonly code = 'invalid_personas';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPersonasError';
  }
}

/** Validates persona definitions (seed file, database rows, admin edits); names the bad field. */
export function parsePersonas(raw: unknown, knownFeatures: string[], source = 'personas'): Persona[] {
  const parsed = z.array(personaSchema).safeParse(raw);
  if (!parsed.success) throw new InvalidPersonasError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  const ids = new Set<string>();
  for (const p of parsed.data) {
    if (ids.has(p.id)) throw new InvalidPersonasError(`${source}: duplicate id ${p.id}`);
    ids.add(p.id);
    const unknown = p.needs.filter((n) => !knownFeatures.includes(n));
    if (unknown.length) throw new InvalidPersonasError(`${source}: persona ${p.id} needs unknown catalog features ${unknown.join(', ')}`);
  }
  return parsed.data;
}

export function findPersona(personas: Persona[], id: string): Persona {
  const persona = personas.find((p) => p.id === id);
  if (!persona) throw new UnknownPersonaError(id);
  return persona;
}
