import { z } from 'zod';
import { INTENTS } from './intent-corpus';
import { IntentItem } from './intent-grader';
import intentSetJson from './intent-test-set.json';
import paraphraseSetJson from './paraphrase-test-set.json';

/**
 * The held-out question sets `eval-intents` grades: `intent` (the set the corpus was developed
 * against) and `paraphrase` (written apart from the corpus and from the intent set, issue #29).
 */
export const QUESTION_SET_NAMES = ['intent', 'paraphrase'] as const;
export type QuestionSetName = (typeof QUESTION_SET_NAMES)[number];

const fact = z.union([z.string().min(1), z.array(z.string().min(1)).min(2, 'alternatives need at least two facts')]);

const itemSchema = z
  .object({
    intent: z.enum(INTENTS),
    question: z.string().trim().min(1),
    require: z.array(fact),
    forbid: z.array(z.string().min(1)),
    discloseAi: z.boolean().optional(),
    identityWords: z.boolean().optional(),
  })
  .strict()
  // Every item must be able to fail: a fact to state or a disclosure to make.
  .refine((i) => i.require.length > 0 || i.discloseAi, { message: 'an item needs a required fact or discloseAi' })
  .refine((i) => !!i.discloseAi === (i.intent === 'ai-disclosure'), { message: 'discloseAi is for ai-disclosure items, and every one needs it' })
  .refine((i) => !(i.identityWords && i.discloseAi), { message: 'an identityWords item is not about identity' });

const setSchema = z.object({ description: z.string().min(1), items: z.array(itemSchema).min(1) }).strict();

/** Validates a question set file; throws on a malformed item or a question asked twice (case and spacing ignored). */
export function parseQuestionSet(raw: unknown): IntentItem[] {
  const { items } = setSchema.parse(raw);
  const seen = new Set<string>();
  for (const item of items) {
    const key = item.question.toLowerCase().replace(/\s+/g, ' ');
    if (seen.has(key)) throw new Error(`question set: ${JSON.stringify(item.question)} is asked twice`);
    seen.add(key);
  }
  return items;
}

export const QUESTION_SETS: Record<QuestionSetName, IntentItem[]> = {
  intent: parseQuestionSet(intentSetJson),
  paraphrase: parseQuestionSet(paraphraseSetJson),
};
