export interface Plan {
  id: string;
  name: string;
  monthlyPricePerSeat: number;
  annualPricePerSeatPerMonth: number;
  /** null: no upper limit. */
  maxSeats: number | null;
  features: string[];
}

export interface Feature {
  name: string;
  keywords: string[];
}

export interface Discount {
  id: string;
  percent: number;
  description: string;
}

/**
 * What the agent sells: the facts that compliance checks stated prices and discounts against,
 * that the simulator's visitors ask about, and that the default model's corpus is written from.
 */
export interface ProductCatalog {
  product: string;
  tagline: string;
  currency: string;
  plans: Plan[];
  features: Record<string, Feature>;
  trial: { days: number; creditCardRequired: boolean };
  discounts: Discount[];
  policies: { refunds: string; security: string; contract: string };
}

/** Every per-seat price the catalog states (monthly and annual-per-month). */
export function catalogPrices(catalog: ProductCatalog): number[] {
  return catalog.plans.flatMap((p) => [p.monthlyPricePerSeat, p.annualPricePerSeatPerMonth]);
}

export function planPrices(plan: Plan): number[] {
  return [plan.monthlyPricePerSeat, plan.annualPricePerSeatPerMonth];
}
