import { ProductCatalog, systemPrompt } from '../catalog';
import { ChatModel } from '../model';
import { Answerer } from '../model/default-model/intent-eval';
import { LocalReplyPolicy } from '../policy';
import { HistoryTurn, TurnScoring } from '../scoring';
import { catalogAnswer } from './catalog-answer';
import { CLOSING_FALLBACK, safeFallback } from './safe-fallback';
import { SentenceGate } from './sentence-gate';
import { SentenceStream } from './sentence-stream';

/** Attempt n of a reply draws with seed + n · this, so the first attempt is the one a plain evaluation draws. */
const ATTEMPT_SEED_STRIDE = 1000;

/**
 * Answers each question as the server streams a first turn's reply: the model's attempts through
 * the SentenceGate (the default blocking rules and the non-answer check), regenerated within
 * `maxRegenerations`, the fallback when nothing compliant came. What a visitor reads, rather than the
 * model's first attempt. The questions run concurrently, so the generator batches them.
 */
export function asServed(model: ChatModel, catalog: ProductCatalog, maxRegenerations: number): Answerer {
  const scoring = new TurnScoring(catalog);
  const ended = new AbortController().signal;
  const ignore = { typing: () => undefined, delta: () => undefined };
  return (jobs, sampling, maxNewTokens) => {
    const policy = new LocalReplyPolicy(model, sampling, maxNewTokens);
    return Promise.all(
      jobs.map(async ({ question, seed }, i) => {
        const history: HistoryTurn[] = [{ role: 'visitor', text: question }];
        const stream = new SentenceStream(policy, new SentenceGate(scoring, history), ignore, {
          ended,
          messages: [
            { role: 'system', content: systemPrompt(catalog) },
            { role: 'user', content: question },
          ],
          conversationId: `question-${i}`,
          seed: (attempt) => seed + attempt * ATTEMPT_SEED_STRIDE,
          maxRegenerations,
          nonAnswerCheck: true,
          fallback: safeFallback(history, catalog),
          nonAnswerFallback: () => catalogAnswer(history, catalog),
          closing: CLOSING_FALLBACK,
        });
        const reply = await stream.run();
        return { text: reply.text, catalogAnswer: reply.catalogAnswer };
      }),
    );
  };
}
