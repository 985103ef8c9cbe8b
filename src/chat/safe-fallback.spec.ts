import { shippedCatalog } from '../catalog';
import { ComplianceScorer, HistoryTurn } from '../scoring';
import { aiDisclosureFallback, SAFE_FALLBACK, safeFallback } from './safe-fallback';

const defaultCatalog = shippedCatalog();

describe('safeFallback', () => {
  const compliance = new ComplianceScorer();
  const visitor = (text: string): HistoryTurn[] => [{ role: 'visitor', text }];

  it('discloses being an AI when the visitor asked, and passes every rule', () => {
    const history = visitor('Am I talking to a real person?');
    const text = safeFallback(history, defaultCatalog);
    expect(text).toBe(aiDisclosureFallback(defaultCatalog));
    expect(text).toContain("I'm an AI assistant for Pipewise");
    expect(compliance.score({ text, history, catalog: defaultCatalog }).score).toBe(1);
  });

  it('is the general fallback otherwise', () => {
    const history = visitor('Can you guarantee results?');
    expect(safeFallback(history, defaultCatalog)).toBe(SAFE_FALLBACK);
    expect(compliance.score({ text: SAFE_FALLBACK, history, catalog: defaultCatalog }).score).toBe(1);
  });
});
