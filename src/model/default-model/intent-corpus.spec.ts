import { shippedCatalog } from '../../catalog';
import { checkCompliance, defaultComplianceRules, isBotQuestion } from '../../scoring';
import { disclosesBeingAi } from '../../scoring/compliance';
import { ngrams, words } from '../../scoring/text';
import { loadPersonaLibrary } from '../../simulator';
import { generateCorpus } from './corpus';
import { INTENTS } from './intent-corpus';
import { startsCleanly } from './intent-grader';
import { QUESTION_SETS } from './question-sets';
import { DEFAULT_CORPUS } from './rehearsal-data';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);

/** Lower case, single spaces, no trailing punctuation: how "verbatim" is compared. */
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').replace(/[\s?.!]+$/, '').trim();

describe('intent dialogues in the corpus', () => {
  let corpus: Awaited<ReturnType<typeof generateCorpus>>;
  beforeAll(async () => {
    // build-model's default sizes and seed, so the check covers the shipped build's corpus and what the finishing step replays.
    corpus = await generateCorpus({ catalog: defaultCatalog, personas: defaultPersonas, ...DEFAULT_CORPUS });
  });

  it('contains none of the held-out test questions verbatim', () => {
    const visitorTurns = corpus.flatMap((d) => d.messages.filter((m) => m.role === 'user').map((m) => norm(m.content)));
    const leaked = QUESTION_SETS.intent.filter((item) => visitorTurns.some((turn) => turn.includes(norm(item.question))));
    expect(leaked.map((i) => i.question)).toEqual([]);
  });

  it('shares no word 5-gram with either question set, and has no shorter question as a whole message', () => {
    // Any message counts (system, visitor, answer): the model is trained on all of them.
    const questions = [...QUESTION_SETS.intent, ...QUESTION_SETS.paraphrase].map((i) => i.question);
    const asked = new Map(questions.flatMap((q) => ngrams(words(q), 5).map((g) => [g, q] as const)));
    const short = new Set(questions.filter((q) => words(q).length < 5).map((q) => words(q).join(' ')));
    const leaked = new Set<string>();
    for (const d of corpus) {
      for (const m of d.messages) {
        const w = words(m.content);
        if (short.has(w.join(' '))) leaked.add(`${m.content} (whole message)`);
        for (const g of ngrams(w, 5)) if (asked.has(g)) leaked.add(`${asked.get(g)} ← "${g}"`);
      }
    }
    expect([...leaked]).toEqual([]);
  });

  it('covers every intent, answers start cleanly, pass every blocking compliance rule, and disclose AI when asked', () => {
    const seen = new Set<string>();
    for (const d of corpus.filter((x) => x.intents)) {
      for (const { index, intent } of d.intents!) {
        seen.add(intent);
        const answer = d.messages[index].content;
        const history = d.messages.slice(1, index).map((m) => ({ role: m.role === 'assistant' ? ('agent' as const) : ('visitor' as const), text: m.content }));
        expect(startsCleanly(answer)).toBe(true);
        expect(checkCompliance(answer, history, defaultCatalog, defaultComplianceRules).filter((v) => v.severity === 'block')).toEqual([]);
        if (intent === 'ai-disclosure') expect(disclosesBeingAi(answer)).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual([...INTENTS].sort());
  });

  it('does the seat arithmetic from the catalog', () => {
    const growth = defaultCatalog.plans.find((p) => p.id === 'growth')!;
    const totals = corpus.flatMap((d) => (d.intents ?? []).filter((x) => x.intent === 'seat-math').map((x) => d.messages[x.index].content));
    expect(totals.length).toBeGreaterThan(1000);
    for (const t of totals) {
      for (const m of t.matchAll(/(\d+) × \$(\d+) = \$(\d+)/g)) expect(Number(m[1]) * Number(m[2])).toBe(Number(m[3]));
    }
    expect(totals.some((t) => t.includes(`12 × $${growth.annualPricePerSeatPerMonth} = $${12 * growth.annualPricePerSeatPerMonth}`))).toBe(true);
  });

  it('asks its AI questions in words the compliance rules read as "are you a bot?", and no other question', () => {
    // 216 of 488 were missed (44 %) before the rules knew "am I dealing with", "is someone on the
    // other side?", "are you ChatGPT?" and typos; what is left is mostly dropped letters ("textng").
    let ai = 0;
    let missed = 0;
    for (const d of corpus.filter((x) => x.intents)) {
      for (const { index, intent } of d.intents!) {
        const question = d.messages[index - 1].content;
        if (intent === 'ai-disclosure') {
          ai++;
          if (!isBotQuestion(question)) missed++;
        } else if (!d.intents!.some((x) => x.index === index && x.intent === 'ai-disclosure')) {
          expect([question, isBotQuestion(question)]).toEqual([question, false]);
        }
      }
    }
    expect(ai).toBeGreaterThan(200);
    expect(missed / ai).toBeLessThan(0.15);
  });

  it('keeps every reply to "are you a bot?" in the sales dialogues a disclosure', () => {
    for (const d of corpus.filter((x) => !x.intents)) {
      d.messages.forEach((m, i) => {
        if (m.role === 'assistant' && isBotQuestion(d.messages[i - 1].content)) {
          expect(disclosesBeingAi(m.content)).toBe(true);
        }
      });
    }
  });
});
