import { ProductCatalog } from '../catalog';
import { findPersona, Persona } from './persona';
import { RuleBasedVisitor } from './rule-based-visitor';
import { SimulatedVisitor, UserSimulator } from './simulator';
import { VisitorKind } from './visitor-model';

/** The default simulator: deterministic for a persona and a seed; `strict` unless told otherwise. */
export class RuleBasedSimulator implements UserSimulator {
  readonly name: string;

  constructor(
    private readonly personas: Persona[],
    private readonly catalog: ProductCatalog,
    private readonly kind: VisitorKind = 'strict',
  ) {
    this.name = kind === 'strict' ? 'rule-based' : `rule-based-${kind}`;
  }

  visitor(personaId: string, seed: number): SimulatedVisitor {
    return new RuleBasedVisitor(findPersona(this.personas, personaId), this.catalog, seed, this.kind);
  }
}
