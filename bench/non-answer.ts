/**
 * What the guardrail's non-answer check costs (issue #29), without a server or a benchmark load:
 *   npm run -s build && node dist/bench/non-answer.js [--set paraphrase|intent --model DIR --repeats 200]
 * 1. The shipped model replies to every question of a held-out set (greedy, as `eval-intents`); each
 *    reply's sentences go through the SentenceGate in order, as the stream sends them. Counted: the
 *    first attempts it stops as a non-answer (the firing rate), the tokens decoded up to the sentence
 *    that stopped them (the generation a regeneration throws away), and the replies whose first
 *    delta waits for a later sentence (a first sentence that adds nothing, held for the next). The
 *    stopped questions are regenerated as SentenceStream does, at serving sampling (seeds 1, 2: the
 *    two regenerations of GUARDRAIL_MAX_REGENERATIONS=2; the first is judged, the second goes out as
 *    written), each attempt forbidden to open as the stopped ones did (`replyRequest`), and,
 *    in the same run, with a new seed alone (as before): how often a regeneration is a non-answer
 *    too, and how many stopped questions end up answered right.
 * 2. The check itself: each sentence prefix is checked with and without the non-answer reading,
 *    `repeats` times; the difference is the time it adds per sentence.
 * The time to first delta it adds on a live server (one more first-sentence generation when it
 * fires, in a batch shared with other replies) is measured by `npm run bench:chat`.
 */
import { performance } from 'node:perf_hooks';
import { shippedCatalog, systemPrompt } from '../src/catalog';
import { SentenceBuffer } from '../src/chat/sentence-buffer';
import { NON_ANSWER, SentenceGate } from '../src/chat/sentence-gate';
import { ChatMessage, ChatModel } from '../src/model';
import { evaluateIntents, GREEDY_SAMPLING, SERVING_SAMPLING } from '../src/model/default-model/intent-eval';
import { gradeAnswer, IntentItem } from '../src/model/default-model/intent-grader';
import { QUESTION_SETS, QuestionSetName } from '../src/model/default-model/question-sets';
import { replyRequest } from '../src/policy/reply-request';
import { HistoryTurn, TurnScoring } from '../src/scoring';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const set = (args.get('set') ?? 'paraphrase') as QuestionSetName;
const dir = args.get('model') ?? 'models/default';
const repeats = Number(args.get('repeats') ?? 200);
const catalog = shippedCatalog();
const scoring = new TurnScoring(catalog);

const stoppedAsNonAnswer = (question: string, text: string) =>
  !!new SentenceGate(scoring, [{ role: 'visitor', text: question }]).firstPassage(SentenceBuffer.split(text), true).stopped?.includes(NON_ANSWER);

/**
 * The regenerations of a reply whose greedy first attempt was stopped, as SentenceStream makes them:
 * attempt 1 (seed 1) is judged, attempt 2 (seed 2) goes out as written; with `avoid`, each may not
 * open as an attempt stopped before it (ModelPolicyService turns those openings into
 * `beginSuppressTokens`). Returns each attempt's text and what went out.
 */
async function regenerate(model: ChatModel, item: IntentItem, stopped: string, avoid: boolean): Promise<{ attempts: string[]; sent: string }> {
  const messages: ChatMessage[] = [
    { role: 'system', content: systemPrompt(catalog) },
    { role: 'user', content: item.question },
  ];
  const openings = [stopped];
  const attempts: string[] = [];
  for (const seed of [1, 2]) {
    const request = replyRequest(model, messages, { seed, avoidOpenings: avoid ? openings : [] }, 120);
    const text = (await model.generator.submit({ ...SERVING_SAMPLING, ...request }).result).text.trim();
    attempts.push(text);
    if (seed === 2 || !stoppedAsNonAnswer(item.question, text)) break;
    openings.push(text);
  }
  return { attempts, sent: attempts[attempts.length - 1] };
}

/** Mean microseconds of one gate check of each sentence prefix. */
function checkMicros(replies: { text: string; history: HistoryTurn[] }[], judgeAnswer: boolean): number {
  const prefixes = replies.flatMap(({ text, history }) => {
    const sentences = SentenceBuffer.split(text);
    const gate = new SentenceGate(scoring, history);
    return sentences.map((_, i) => ({ gate, prefix: sentences.slice(0, i + 1).join(' ') }));
  });
  const start = performance.now();
  for (let r = 0; r < repeats; r++) for (const { gate, prefix } of prefixes) gate.check(prefix, false, judgeAnswer);
  return ((performance.now() - start) * 1000) / (repeats * prefixes.length);
}

async function main(): Promise<void> {
  const model = await ChatModel.load(dir, { maxBatch: 64 });
  try {
    const items = QUESTION_SETS[set];
    const report = await evaluateIntents(model, { catalog, items, sampling: GREEDY_SAMPLING, samples: 1, seed: 1 });
    const replies = report.replies.map((r) => ({ ...r, history: [{ role: 'visitor', text: r.question }] as HistoryTurn[] }));
    const tokens = (text: string) => model.tokenizer.encode(text).length;
    const outcomes = replies.map((r) => {
      const sentences = SentenceBuffer.split(r.text);
      const gate = new SentenceGate(scoring, r.history);
      return { ...r, checked: gate.firstPassage(sentences, true), before: gate.firstPassage(sentences, false) };
    });
    const fired = outcomes.filter((o) => o.checked.stopped?.includes(NON_ANSWER));
    const passed = outcomes.filter((o) => !o.checked.stopped);
    const held = passed.filter((o) => o.checked.prefix !== o.before.prefix);
    // What the regenerations write, with the stopped openings avoided (as served) and with a new seed alone.
    const regenerations = async (avoid: boolean) => {
      const runs = await Promise.all(fired.map((o) => regenerate(model, items.find((i) => i.question === o.question)!, o.text, avoid)));
      const nonAnswers = (attempt: number) => runs.filter((r, i) => r.attempts[attempt] !== undefined && stoppedAsNonAnswer(fired[i].question, r.attempts[attempt])).length;
      return {
        regeneration_1_non_answers: nonAnswers(0),
        regeneration_2_non_answers_sent_as_written: nonAnswers(1),
        graded_right_as_sent: runs.filter((r, i) => gradeAnswer(items.find((it) => it.question === fired[i].question)!, r.sent, catalog).right).length,
      };
    };
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
    // Late in a session the reading compares each sentence with the agent's earlier replies: ten exchanges before.
    const late = replies.map((r, i) => ({
      text: r.text,
      history: [...replies.slice(Math.max(0, i - 10), i).flatMap((p): HistoryTurn[] => [...p.history, { role: 'agent', text: p.text }]), ...r.history],
    }));
    const added = (conversation: typeof late) => {
      checkMicros(conversation, true); // warm-up
      const [withCheck, without] = [checkMicros(conversation, true), checkMicros(conversation, false)];
      return { with_non_answer: round(withCheck), compliance_only: round(without), added: round(withCheck - without) };
    };
    console.log(
      JSON.stringify({
        set,
        model: dir,
        replies: outcomes.length,
        non_answers: fired.length,
        firing_rate: round(fired.length / outcomes.length, 4),
        graded_right_among_non_answers: fired.filter((o) => o.right).length,
        tokens_thrown_away_mean: round(mean(fired.map((o) => tokens(o.checked.prefix)))),
        regenerations: { openings_avoided: await regenerations(true), new_seed_only: await regenerations(false) },
        first_delta_tokens_mean: round(mean(passed.map((o) => tokens(o.checked.prefix)))),
        first_delta_held_longer: held.length,
        first_delta_held_extra_tokens_mean: round(mean(held.map((o) => tokens(o.checked.prefix) - tokens(o.before.prefix)))),
        check_us_per_sentence: { first_turn: added(replies), after_10_exchanges: added(late) },
      }),
    );
    for (const o of fired) console.log(`non-answer | ${o.intent} | ${o.question} | ${o.checked.prefix}`);
  } finally {
    await model.release();
  }
}

void main();
