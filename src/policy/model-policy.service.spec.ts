import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMessage } from '../model';
import { ModelPolicyService } from './model-policy.service';
import { PolicyBusyError, ReplyEvent } from './reply-policy';

const policy: PolicyConfig = {
  modelDir: join(__dirname, '..', '..', 'models', 'default'),
  contextTokens: 256,
  maxBatch: 1,
  maxQueue: 1,
  replyMaxTokens: 24,
  maxRegenerations: 0,
};

async function collect(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
  const out: ReplyEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('ModelPolicyService (default model)', () => {
  const service = new ModelPolicyService({ get: () => policy } as unknown as ConfigService<AppConfig, true>);
  const messages: ChatMessage[] = [{ role: 'user', content: 'How much is the Growth plan?' }];
  beforeAll(() => service.onModuleInit());
  afterAll(() => service.onApplicationShutdown());

  it('streams deltas that add up to the stored reply', async () => {
    const events = await collect(service.reply(messages, { seed: 1, conversationId: 'a' }));
    const done = events.at(-1)!;
    expect(done.kind).toBe('done');
    const streamed = events.flatMap((e) => (e.kind === 'delta' ? [e.text] : [])).join('');
    expect(done.kind === 'done' && streamed.trim()).toBe(done.kind === 'done' && done.text);
  });

  it("a session's next turn gives the same reply with its kept cache as without one", async () => {
    const first = (await collect(service.reply(messages, { seed: 2, conversationId: 'b' }))).at(-1)!;
    const next: ChatMessage[] = [...messages, { role: 'assistant', content: first.kind === 'done' ? first.text : '' }, { role: 'user', content: 'And for 12 people?' }];
    const kept = (await collect(service.reply(next, { seed: 3, conversationId: 'b' }))).at(-1);
    const uncached = (await collect(service.reply(next, { seed: 3 }))).at(-1);
    expect(kept).toEqual(uncached);
  });

  it('continues a prefix already sent: the prompt ends with it, and the reply stays within its length', async () => {
    const prefix = 'Growth is $59 per seat a month. It includes the visual pipeline.';
    const plain = (await collect(service.reply(messages, { seed: 7 }))).at(-1)!;
    const continued = (await collect(service.reply(messages, { seed: 7, prefix }))).at(-1)!;
    expect(plain.kind === 'done' && continued.kind === 'done').toBe(true);
    if (plain.kind !== 'done' || continued.kind !== 'done') return;
    expect(continued.promptTokens).toBeGreaterThan(plain.promptTokens + 5);
    expect(continued.promptTokens + continued.completionTokens).toBeLessThanOrEqual(plain.promptTokens + policy.replyMaxTokens + 1);
  });

  it('refuses with busy past the queue (one row running, one waiting)', async () => {
    const running = collect(service.reply(messages, { seed: 4 }));
    const waiting = collect(service.reply(messages, { seed: 5 }));
    await expect(collect(service.reply(messages, { seed: 6 }))).rejects.toBeInstanceOf(PolicyBusyError);
    await Promise.all([running, waiting]);
  });
});
