import { ProductCatalog } from '../catalog';
import { HistoryTurn } from '../scoring';
import type { Agent } from '../simulator';
import { ChatModel } from './chat-model';
import { systemPrompt } from './default-model/corpus';
import { GenerateOptions } from './generator';
import { ChatMessage } from './tokenizer';

/** The model as a simulator agent: the conversation so far in, one sampled reply out. */
export function policyAgent(model: ChatModel, catalog: ProductCatalog, options: Omit<GenerateOptions, 'seed'>, seed: number): Agent {
  let turn = 0;
  return async (history: HistoryTurn[]) => {
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(catalog) },
      ...history.map((t): ChatMessage => ({ role: t.role === 'agent' ? 'assistant' : 'user', content: t.text })),
    ];
    const [result] = await model.generator.generate([model.promptIds(messages, options.maxNewTokens)], { ...options, seed: seed + turn++ });
    // An empty reply would be rejected by the scorers; the visitor sees a visible non-answer instead.
    return result.text.trim() || '...';
  };
}
