import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ProductCatalog } from './catalog';
import shippedCatalogJson from './default-catalog.json';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case slug (letters, digits, -)');
const text = z.string().trim().min(1, 'must not be empty');
const price = z.number({ error: 'must be a number' }).positive('must be a price > 0').max(1e6, 'must be at most 1000000');

const planSchema = z.object({
  id: slug,
  name: text,
  monthlyPricePerSeat: price,
  annualPricePerSeatPerMonth: price,
  maxSeats: z.number().int('must be a whole number').positive('must be ≥ 1').nullable(),
  features: z.array(slug).min(1, 'must list at least one feature'),
});

const catalogSchema = z
  .object({
    product: text,
    tagline: text,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
    plans: z.array(planSchema).min(1, 'must list at least one plan'),
    features: z.record(slug, z.object({ name: text, keywords: z.array(text).min(1, 'must list at least one keyword') })),
    trial: z.object({ days: z.number().int('must be a whole number').min(0, 'must be ≥ 0'), creditCardRequired: z.boolean() }),
    discounts: z.array(z.object({ id: slug, percent: z.number().gt(0, 'must be > 0').lt(100, 'must be < 100'), description: text })),
    policies: z.object({ refunds: text, security: text, contract: text }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const planIds = new Set<string>();
    c.plans.forEach((plan, i) => {
      if (planIds.has(plan.id)) issue(['plans', i, 'id'], `duplicate plan id "${plan.id}"`);
      planIds.add(plan.id);
      if (plan.annualPricePerSeatPerMonth > plan.monthlyPricePerSeat) issue(['plans', i, 'annualPricePerSeatPerMonth'], 'must not exceed monthlyPricePerSeat');
      plan.features.forEach((f, j) => c.features[f] === undefined && issue(['plans', i, 'features', j], `unknown feature "${f}" (not a key of "features")`));
    });
    const discountIds = new Set<string>();
    c.discounts.forEach((d, i) => {
      if (discountIds.has(d.id)) issue(['discounts', i, 'id'], `duplicate discount id "${d.id}"`);
      discountIds.add(d.id);
    });
  });

/** A catalog file or object that does not describe a valid catalog; the message names every bad field. */
export class CatalogError extends Error {
  readonly code = 'invalid_catalog';
  constructor(source: string, problems: string[]) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'CatalogError';
  }
}

/** Validates a catalog (a parsed JSON value); `source` names it in errors (a file path, a site). */
export function parseCatalog(raw: unknown, source: string): ProductCatalog {
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CatalogError(source, parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`));
  }
  return parsed.data;
}

export function loadCatalogFile(path: string): ProductCatalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CatalogError(path, [err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  return parseCatalog(raw, path);
}

/** The Pipewise catalog shipped with Closer, the catalog when CATALOG_PATH names none (a fresh copy per call). */
export function shippedCatalog(): ProductCatalog {
  return parseCatalog(structuredClone(shippedCatalogJson), 'the shipped catalog');
}

/** The catalog at `path` (CATALOG_PATH, --catalog), or the shipped one. Callers load it once at start-up. */
export function loadCatalog(path?: string): ProductCatalog {
  return path === undefined ? shippedCatalog() : loadCatalogFile(path);
}
