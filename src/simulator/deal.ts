import { Plan, ProductCatalog } from '../catalog';
import { planServes } from '../scoring';
import { Persona } from './persona';

export type Billing = 'annual' | 'monthly';

/** What a converted visitor buys. */
export interface Deal {
  planId: string;
  seats: number;
  billing: Billing;
  /** Months committed: 12 on annual billing, 1 on monthly. */
  months: number;
  /** Plan price per seat per month × seats × months, in the catalog currency. */
  value: number;
}

/** The cheapest plan covering these needs and seats (plans are listed cheapest first); the top plan if none does. */
export function cheapestPlanServing(catalog: ProductCatalog, needs: string[], seats: number): Plan {
  return catalog.plans.find((p) => planServes(p, needs, seats)) ?? catalog.plans[catalog.plans.length - 1];
}

/** The plan that fits a persona (the visitor has seen the pricing page). */
export function planFor(persona: Persona, catalog: ProductCatalog): Plan {
  return cheapestPlanServing(catalog, persona.needs, persona.companySize);
}

export function pricePerSeat(plan: Plan, billing: Billing): number {
  return billing === 'annual' ? plan.annualPricePerSeatPerMonth : plan.monthlyPricePerSeat;
}

export function dealFor(persona: Persona, catalog: ProductCatalog, billing: Billing): Deal {
  const plan = planFor(persona, catalog);
  const months = billing === 'annual' ? 12 : 1;
  return { planId: plan.id, seats: persona.companySize, billing, months, value: pricePerSeat(plan, billing) * persona.companySize * months };
}
