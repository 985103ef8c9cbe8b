import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogError, loadCatalog, loadCatalogFile, parseCatalog, shippedCatalog } from './catalog-file';
import { systemPrompt } from './system-prompt';

const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
const write = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const withChanges = (change: (c: Record<string, any>) => void) => {
  const c = structuredClone(shippedCatalog()) as unknown as Record<string, any>;
  change(c);
  return c;
};

describe('catalog files', () => {
  it('the shipped catalog is valid, and each call returns its own copy', () => {
    const a = shippedCatalog();
    expect(a.product).toBe('Pipewise');
    a.plans[0].monthlyPricePerSeat = 1;
    expect(shippedCatalog().plans[0].monthlyPricePerSeat).toBe(29);
    expect(loadCatalog()).toEqual(shippedCatalog());
  });

  it('loads a customer catalog, and the system prompt is built from it', () => {
    const path = write('acme.json', JSON.stringify(withChanges((c) => ((c.product = 'Acme CRM'), (c.tagline = 'the CRM for florists')))));
    const catalog = loadCatalog(path);
    expect(catalog.product).toBe('Acme CRM');
    expect(systemPrompt(catalog)).toContain('AI sales assistant of Acme CRM, the CRM for florists');
  });

  it.each([
    ['a price given as text', (c: any) => (c.plans[1].monthlyPricePerSeat = '59'), 'plans.1.monthlyPricePerSeat: must be a number'],
    ['a negative price', (c: any) => (c.plans[0].annualPricePerSeatPerMonth = -3), 'plans.0.annualPricePerSeatPerMonth: must be a price > 0'],
    ['an annual price above the monthly one', (c: any) => (c.plans[0].annualPricePerSeatPerMonth = 40), 'plans.0.annualPricePerSeatPerMonth: must not exceed monthlyPricePerSeat'],
    ['a plan feature the catalog does not define', (c: any) => c.plans[2].features.push('teleport'), 'plans.2.features.9: unknown feature "teleport"'],
    ['two plans with one id', (c: any) => (c.plans[1].id = 'starter'), 'plans.1.id: duplicate plan id "starter"'],
    ['a discount of 100 %', (c: any) => (c.discounts[0].percent = 100), 'discounts.0.percent: must be < 100'],
    ['no plans', (c: any) => (c.plans = []), 'plans: must list at least one plan'],
    ['a bad currency', (c: any) => (c.currency = 'dollars'), 'currency: must be an ISO 4217 code'],
    ['a missing policy', (c: any) => delete c.policies.refunds, 'policies.refunds:'],
    ['an unknown top-level field', (c: any) => (c.plan = []), 'Unrecognized key'],
  ])('rejects %s, naming the field', (_, change, message) => {
    expect(() => parseCatalog(withChanges(change), 'acme.json')).toThrow(CatalogError);
    expect(() => parseCatalog(withChanges(change), 'acme.json')).toThrow(`acme.json: `);
    expect(() => parseCatalog(withChanges(change), 'acme.json')).toThrow(message);
  });

  it('a file that is missing or not JSON is one clear line', () => {
    expect(() => loadCatalogFile(join(dir, 'nope.json'))).toThrow(`${join(dir, 'nope.json')}: cannot be read (ENOENT)`);
    const broken = write('broken.json', '{"product": ');
    expect(() => loadCatalogFile(broken)).toThrow(/broken\.json: not valid JSON/);
  });
});
