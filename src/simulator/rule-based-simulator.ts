import { ProductCatalog } from '../catalog';
import { findPersona, Persona } from './persona';
import { RuleBasedVisitor } from './rule-based-visitor';
import { SimulatedVisitor, UserSimulator } from './simulator';

/** The default simulator: deterministic for a persona and a seed. */
export class RuleBasedSimulator implements UserSimulator {
  readonly name = 'rule-based';

  constructor(
    private readonly personas: Persona[],
    private readonly catalog: ProductCatalog,
  ) {}

  visitor(personaId: string, seed: number): SimulatedVisitor {
    return new RuleBasedVisitor(findPersona(this.personas, personaId), this.catalog, seed);
  }
}
