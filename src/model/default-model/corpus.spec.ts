import { shippedCatalog } from '../../catalog';
import { TurnScoring } from '../../scoring';
import { loadPersonaLibrary } from '../../simulator';
import { generateCorpus } from './corpus';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);

describe('synthetic sales corpus', () => {
  it('is reproducible, alternates speakers, and carries its flaws in about the configured share', async () => {
    const options = { catalog: defaultCatalog, personas: defaultPersonas, dialogues: 120, seed: 4 };
    const corpus = await generateCorpus(options);
    expect(await generateCorpus(options)).toEqual(corpus);
    for (const d of corpus) {
      expect(d.messages[0].role).toBe('system');
      expect(d.messages[d.messages.length - 1].role).toBe('assistant');
      d.messages.slice(1).forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant'));
    }
    const agentTurns = corpus.reduce((n, d) => n + d.messages.filter((m) => m.role === 'assistant').length, 0);
    const share = (flaw: string) => corpus.reduce((n, d) => n + d.flaws.filter((f) => f.flaw === flaw).length, 0) / agentTurns;
    expect(share('stockPhrase')).toBeGreaterThan(0.08);
    expect(share('stockPhrase')).toBeLessThan(0.25);
    expect(share('nonCompliantClaim')).toBeGreaterThan(0.01);
    expect(share('nonCompliantClaim')).toBeLessThan(0.1);

    // The injected non-compliant claims are ones the scorers catch.
    const scoring = new TurnScoring(defaultCatalog);
    const flagged = corpus.flatMap((d) =>
      d.flaws.filter((f) => f.flaw === 'nonCompliantClaim').map((f) => {
        const history = d.messages.slice(1, f.index).map((m) => ({ role: m.role === 'assistant' ? ('agent' as const) : ('visitor' as const), text: m.content }));
        return scoring.score(d.messages[f.index].content, history).blocking;
      }),
    );
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every(Boolean)).toBe(true);
  });
});
