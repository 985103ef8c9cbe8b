import { ProductCatalog, systemPrompt } from '../../catalog';
import { disclosesBeingAi } from '../../scoring/compliance';
import { ChatModel } from '../chat-model';
import { gradeAnswer, IntentItem } from './intent-grader';

/** How replies are drawn: greedy, or sampled like serving with one seed per sample. */
export interface IntentEvalSampling {
  temperature: number;
  topP: number;
  repetitionPenalty: number;
}

/** The serving sampling (src/policy/model-policy.service.ts). */
export const SERVING_SAMPLING: IntentEvalSampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };
export const GREEDY_SAMPLING: IntentEvalSampling = { temperature: 0, topP: 1, repetitionPenalty: 1 };

export interface IntentEvalOptions {
  catalog: ProductCatalog;
  items: IntentItem[];
  sampling: IntentEvalSampling;
  /** Replies per question (seeds seed, seed + 1, …); 1 is enough when greedy. */
  samples: number;
  seed: number;
  /** The serving reply limit (REPLY_MAX_TOKENS). */
  maxNewTokens?: number;
  /**
   * How the questions are answered: by default the model's first attempt, all in one batch;
   * `eval-intents --as-served` answers through the guardrail as the server streams (src/chat/as-served.ts).
   */
  answer?: Answerer;
}

/** A reply to a question; `catalogAnswer`: the guardrail sent the catalog's answer because no attempt of the model answered. */
export interface AnswerText {
  text: string;
  catalogAnswer?: boolean;
}

/** Answers each question (asked first in a conversation, after the system prompt) with its seed. */
export type Answerer = (jobs: { question: string; seed: number }[], sampling: IntentEvalSampling, maxNewTokens: number) => Promise<AnswerText[]>;

export interface IntentEvalRow {
  intent: string;
  questions: number;
  answers: number;
  right: number;
  rate: number;
}

/** Replies to questions not about identity, and how many of them are wrong and disclose being an AI. */
export interface DisclosureCount {
  answers: number;
  /** A disclosure instead of an answer (the facts asked for are missing). */
  disclosed: number;
}

export interface IntentEvalReport {
  sampling: IntentEvalSampling;
  samples: number;
  seed: number;
  perIntent: IntentEvalRow[];
  overall: IntentEvalRow;
  /** A disclosure instead of an answer (issue #29's target: at most 1 %): over every question not about identity, and over those in identity's words. */
  disclosedInstead: { all: DisclosureCount; identityWords: DisclosureCount };
  /** Replies that are the catalog's answer in place of the model's non-answers (as served), and how many of them are right. */
  catalogAnswers: { replies: number; right: number };
  /** Every reply with its grade. */
  replies: { intent: string; question: string; seed: number; text: string; catalogAnswer: boolean; right: boolean; reasons: string[] }[];
}

/**
 * Asks the model each held-out question as a conversation's first visitor turn (after the system
 * prompt), all in one batch, and grades every reply (intent-grader.ts).
 */
export async function evaluateIntents(model: ChatModel, o: IntentEvalOptions): Promise<IntentEvalReport> {
  const maxNewTokens = o.maxNewTokens ?? 120;
  const system = systemPrompt(o.catalog);
  const jobs = o.items.flatMap((item) => Array.from({ length: o.samples }, (_, s) => ({ item, seed: o.seed + s })));
  const firstAttempts: Answerer = async () => {
    const prompts = jobs.map(({ item }) => model.promptIds([{ role: 'system', content: system }, { role: 'user', content: item.question }], maxNewTokens));
    return (await model.generator.generate(prompts, { ...o.sampling, maxNewTokens, seed: jobs.map((j) => j.seed) })).map((r) => ({ text: r.text }));
  };
  const answers = await (o.answer ?? firstAttempts)(jobs.map(({ item, seed }) => ({ question: item.question, seed })), o.sampling, maxNewTokens);
  const replies = jobs.map(({ item, seed }, i) => {
    const text = answers[i].text.trim();
    return { intent: item.intent, question: item.question, seed, text, catalogAnswer: !!answers[i].catalogAnswer, ...gradeAnswer(item, text, o.catalog) };
  });
  const catalogAnswers = replies.filter((r) => r.catalogAnswer);
  const disclosedInstead = (keep: (item: IntentItem) => boolean): DisclosureCount => {
    const rs = replies.filter((_, i) => !jobs[i].item.discloseAi && keep(jobs[i].item));
    return { answers: rs.length, disclosed: rs.filter((r) => !r.right && disclosesBeingAi(r.text)).length };
  };
  const row = (intent: string, rs: typeof replies): IntentEvalRow => {
    const right = rs.filter((r) => r.right).length;
    return { intent, questions: new Set(rs.map((r) => r.question)).size, answers: rs.length, right, rate: rs.length ? right / rs.length : 0 };
  };
  const intents = [...new Set(o.items.map((i) => i.intent))];
  return {
    sampling: o.sampling,
    samples: o.samples,
    seed: o.seed,
    perIntent: intents.map((intent) => row(intent, replies.filter((r) => r.intent === intent))),
    overall: row('all', replies),
    disclosedInstead: { all: disclosedInstead(() => true), identityWords: disclosedInstead((item) => !!item.identityWords) },
    catalogAnswers: { replies: catalogAnswers.length, right: catalogAnswers.filter((r) => r.right).length },
    replies,
  };
}

/** A question set graded as `eval-intents` reports it: greedy (one reply per question), then sampled at serving settings. */
export async function evaluateGreedyAndSampled(
  model: ChatModel,
  o: Omit<IntentEvalOptions, 'sampling'>,
): Promise<{ greedy: IntentEvalReport; sampled: IntentEvalReport }> {
  const greedy = await evaluateIntents(model, { ...o, sampling: GREEDY_SAMPLING, samples: 1 });
  const sampled = await evaluateIntents(model, { ...o, sampling: SERVING_SAMPLING });
  return { greedy, sampled };
}

/** The per-intent table of a report, in markdown. */
export function intentTable(report: IntentEvalReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = ['| intent | questions | answers | right | % right |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of [...report.perIntent, report.overall]) {
    const name = r.intent === 'all' ? '**all**' : r.intent;
    lines.push(`| ${name} | ${r.questions} | ${r.answers} | ${r.right} | ${pct(r.rate)} |`);
  }
  return lines.join('\n');
}

/** How many wrong replies disclosed being an AI to a question not about identity, in one line. */
export function disclosureSummary(report: IntentEvalReport): string {
  const { all, identityWords } = report.disclosedInstead;
  const inWords = identityWords.answers ? `, ${identityWords.disclosed} / ${identityWords.answers} to those in identity's words` : '';
  const { replies, right } = report.catalogAnswers;
  const catalog = replies ? ` The catalog's answer in place of the model's non-answers: ${replies} replies, ${right} of them right.` : '';
  return `AI disclosure instead of an answer: ${all.disclosed} / ${all.answers} replies to questions not about identity${inWords}.${catalog}`;
}
