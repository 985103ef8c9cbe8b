/**
 * How often the guardrail's non-answer check stops a right answer (issue #29), with no model: the
 * corpus grammar's own answers, right by construction, read by the SentenceGate as the stream would
 * send them. Every stop is a false one. A seed other than the shipped corpus's, and no held-out set.
 *   npm run -s build && node dist/bench/non-answer-corpus.js [--dialogues 3000 --seed 7 --examples 3]
 * Prints one JSON line (per intent: answers, stops, share) and the first examples of each stop.
 */
import { shippedCatalog } from '../src/catalog';
import { nonAnswerStopsOnCorpus } from '../src/chat/gate-on-corpus';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const dialogues = Number(args.get('dialogues') ?? 3000);
const seed = Number(args.get('seed') ?? 7);
const examples = Number(args.get('examples') ?? 3);

void (async () => {
  const { answers, stopped } = await nonAnswerStopsOnCorpus(shippedCatalog(), dialogues, seed);
  const row = (n: number, s: number) => ({ answers: n, stops: s, share: n ? Number((s / n).toFixed(4)) : null });
  const single = Object.keys(answers).filter((k) => !k.includes('+')).sort();
  const sum = (keys: string[], of: (k: string) => number) => keys.reduce((t, k) => t + of(k), 0);
  const stops = (k: string) => stopped[k]?.length ?? 0;
  const two = Object.keys(answers).filter((k) => k.includes('+'));
  const all = Object.keys(answers);
  console.log(
    JSON.stringify({
      bench: 'non-answer-corpus',
      dialogues,
      seed,
      per_intent: Object.fromEntries(single.map((k) => [k, row(answers[k], stops(k))])),
      two_questions: row(sum(two, (k) => answers[k]), sum(two, stops)),
      all: row(sum(all, (k) => answers[k]), sum(all, stops)),
    }),
  );
  for (const [key, list] of Object.entries(stopped)) for (const { visitor, answer } of list.slice(0, examples)) console.log(`${key} | ${visitor} | ${answer}`);
})();
