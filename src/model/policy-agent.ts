import { ProductCatalog } from '../catalog';
import { HistoryTurn, visibleReply } from '../scoring';
import type { Agent } from '../simulator';
import { ChatModel } from './chat-model';
import { systemPrompt } from '../catalog';
import { GenerationRequest } from './generator';
import { SequenceKv } from './kv-cache';
import { ChatMessage } from './tokenizer';

/** The model as a simulator agent: the conversation so far in, one sampled reply out (its cache kept between turns). */
export function policyAgent(model: ChatModel, catalog: ProductCatalog, options: Omit<GenerationRequest, 'prompt' | 'seed' | 'cache'>, seed: number): Agent {
  let turn = 0;
  const cache = new SequenceKv(model.generator.lm.config);
  return async (history: HistoryTurn[]) => {
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt(catalog) },
      ...history.map((t): ChatMessage => ({ role: t.role === 'agent' ? 'assistant' : 'user', content: t.text })),
    ];
    const result = await model.reply(messages, { ...options, seed: seed + turn++, cache }).result;
    return visibleReply(result.text);
  };
}
