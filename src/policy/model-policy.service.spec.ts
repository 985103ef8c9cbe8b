import { ConfigService } from '@nestjs/config';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyAdapter } from '../../test/support/tiny-adapter';
import { AppConfig, PolicyConfig } from '../config';
import { ChatMessage, ChatTokenizer, ServedModel } from '../model';
import { writeAdapterModel, writeCandidateModel } from '../rl/trainer/candidate-model';
import { servedByCanary } from '../registry';
import { ModelPolicyService } from './model-policy.service';
import { PolicyBusyError, ReplyEvent } from './reply-policy';

const policy: PolicyConfig = {
  modelDir: join(__dirname, '..', '..', 'models', 'default'),
  contextTokens: 256,
  maxBatch: 1,
  inferenceThreads: 1,
  maxQueue: 1,
  replyMaxTokens: 24,
  maxRegenerations: 0,
  nonAnswerCheck: true,
  precompile: false,
  conversationCacheMb: 64,
};

async function collect(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
  const out: ReplyEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const configOf = (p: PolicyConfig) => ({ get: () => p }) as unknown as ConfigService<AppConfig, true>;

describe('ModelPolicyService (default model)', () => {
  const service = new ModelPolicyService(configOf(policy));
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

  it("forgets a conversation on the served version (its inference thread drops the cache: served-model.spec)", async () => {
    await collect(service.reply(messages, { seed: 4, conversationId: 'erased' }));
    const forget = jest.spyOn(ServedModel.prototype, 'forget');
    service.forget('erased');
    expect(forget).toHaveBeenCalledWith('erased');
    forget.mockRestore();
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

  it('a regeneration asked to avoid a non-answer\'s opening starts otherwise, through the inference thread', async () => {
    const tokenizer = await ChatTokenizer.load(policy.modelDir);
    const firstToken = (e: ReplyEvent | undefined) => tokenizer.encode(e?.kind === 'done' ? e.text : '')[0];
    const first = (await collect(service.reply(messages, { seed: 9 }))).at(-1);
    const again = (await collect(service.reply(messages, { seed: 9, avoidOpenings: [first?.kind === 'done' ? first.text : ''] }))).at(-1);
    expect(again?.kind).toBe('done');
    expect(firstToken(again)).not.toBe(firstToken(first));
  });

  it('refuses with busy past the queue (one row running, one waiting)', async () => {
    const running = collect(service.reply(messages, { seed: 4 }));
    const waiting = collect(service.reply(messages, { seed: 5 }));
    await expect(collect(service.reply(messages, { seed: 6 }))).rejects.toBeInstanceOf(PolicyBusyError);
    await Promise.all([running, waiting]);
  });
});

describe('ModelPolicyService hot swap', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Do you have a mobile app?' }];
  // The same weights under another version name: what changes is which version answers.
  const nextDir = join(mkdtempSync(join(tmpdir(), 'closer-swap-')), 'night-v2');
  cpSync(policy.modelDir, nextDir, { recursive: true });
  const next = { id: 'b6f0c8de-0000-4000-8000-000000000002', name: 'night-v2', artifactPath: nextDir };
  afterEach(() => jest.restoreAllMocks());

  it('new replies go to the new champion; a reply in flight finishes on the old model, which is released after it', async () => {
    const service = new ModelPolicyService(configOf({ ...policy, maxBatch: 2, maxQueue: 4 }));
    await service.onModuleInit();
    const release = jest.spyOn(ServedModel.prototype, 'release');
    const inFlight = service.reply(messages, { seed: 1 })[Symbol.asyncIterator]();
    expect((await inFlight.next()).value).toMatchObject({ kind: 'delta' });

    await service.swapTo(next);
    expect(service.versionName()).toBe('night-v2');
    expect(release).not.toHaveBeenCalled();
    const fresh = (await collect(service.reply(messages, { seed: 1 }))).at(-1)!;
    expect(fresh).toMatchObject({ kind: 'done', version: 'night-v2' });

    let last: ReplyEvent | undefined;
    for (let r = await inFlight.next(); !r.done; r = await inFlight.next()) last = r.value;
    expect(last).toMatchObject({ kind: 'done', version: 'default' });
    expect(release).toHaveBeenCalledTimes(1);
    expect(fresh.kind === 'done' && last?.kind === 'done' && fresh.text === last.text).toBe(true);

    await service.swapTo(next); // already serving it: nothing is loaded or released
    expect(release).toHaveBeenCalledTimes(1);
    await service.onApplicationShutdown();
  });

  it('a champion that cannot be loaded leaves the current version serving', async () => {
    const service = new ModelPolicyService(configOf(policy));
    await service.onModuleInit();
    await service.swapTo({ ...next, name: 'broken', artifactPath: join(nextDir, 'missing') });
    expect(service.versionName()).toBe('default');
    expect((await collect(service.reply(messages, { seed: 2 }))).at(-1)).toMatchObject({ kind: 'done', version: 'default' });
    await service.onApplicationShutdown();
  });
});

describe('ModelPolicyService serving a canary beside the champion', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Is there a free trial?' }];
  const canaryDir = join(mkdtempSync(join(tmpdir(), 'closer-canary-')), 'night-canary');
  cpSync(policy.modelDir, canaryDir, { recursive: true });
  const canary = { canaryId: 'c0000000-0000-4000-8000-000000000001', id: 'c0000000-0000-4000-8000-00000000000a', championId: 'c0000000-0000-4000-8000-00000000000b', name: 'night-canary', artifactPath: canaryDir, share: 0.3, startedAt: new Date() };
  const conversations = Array.from({ length: 12 }, (_, i) => `session-${i}`);
  const versionOf = async (service: ModelPolicyService, conversationId: string, stickTo?: string) => {
    const done = (await collect(service.reply(messages, { seed: 1, conversationId, stickTo }))).at(-1);
    return done?.kind === 'done' ? done.version : undefined;
  };

  it('new sessions go to the canary by the stable hash, a conversation stays on the version of its earlier replies, and the canary ends cleanly', async () => {
    const service = new ModelPolicyService(configOf({ ...policy, maxBatch: 2, maxQueue: 4 }));
    await service.onModuleInit();
    const release = jest.spyOn(ServedModel.prototype, 'release');
    await service.serveCanary(canary);
    expect(service.canaryName()).toBe('night-canary');
    const expected = conversations.map((c) => (servedByCanary(c, canary.canaryId, canary.share) ? 'night-canary' : 'default'));
    expect(new Set(expected).size).toBe(2); // both arms are exercised
    const served: (string | undefined)[] = [];
    for (const c of conversations) served.push(await versionOf(service, c));
    expect(served).toEqual(expected);
    // Earlier replies by the canary keep a conversation on it, whatever its hash says; an unknown version does not.
    const championSession = conversations[expected.indexOf('default')];
    expect(await versionOf(service, championSession, canary.id)).toBe('night-canary');
    expect(await versionOf(service, championSession, 'c0000000-0000-4000-8000-0000000000ff')).toBe('default');

    await service.serveCanary(null);
    expect(service.canaryName()).toBeUndefined();
    expect(release).toHaveBeenCalledTimes(1);
    expect(await versionOf(service, conversations[expected.indexOf('night-canary')], canary.id)).toBe('default');
    await service.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('a canary that cannot be loaded leaves the champion serving every session', async () => {
    const service = new ModelPolicyService(configOf(policy));
    await service.onModuleInit();
    await service.serveCanary({ ...canary, artifactPath: join(canaryDir, 'missing') });
    expect(service.canaryName()).toBeUndefined();
    for (const c of conversations.slice(0, 4)) expect(await versionOf(service, c)).toBe('default');
    await service.onApplicationShutdown();
  });
});

describe('ModelPolicyService serving an adapter version', () => {
  const root = mkdtempSync(join(tmpdir(), 'closer-serve-adapter-'));
  const adapterVersion = { id: 'b6f0c8de-0000-4000-8000-000000000003', name: 'night-lora', artifactPath: join(root, 'night-lora') };
  const mergedVersion = { id: 'b6f0c8de-0000-4000-8000-000000000004', name: 'night-merged', artifactPath: join(root, 'night-merged') };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a champion folder holding only a LoRA adapter over models/default answers as its merged copy does', async () => {
    const { adapter, merged } = await tinyAdapter(policy.modelDir);
    await writeAdapterModel(policy.modelDir, adapter, adapterVersion.artifactPath, '# adapter');
    await writeCandidateModel(policy.modelDir, merged, mergedVersion.artifactPath, '# merged');
    const service = new ModelPolicyService(configOf(policy));
    await service.onModuleInit();
    const messages: ChatMessage[] = [{ role: 'user', content: 'Can I import my contacts?' }];
    const base = (await collect(service.reply(messages, { seed: 4 }))).at(-1);
    await service.swapTo(adapterVersion);
    const adapted = (await collect(service.reply(messages, { seed: 4 }))).at(-1);
    await service.swapTo(mergedVersion);
    const full = (await collect(service.reply(messages, { seed: 4 }))).at(-1);
    expect(adapted).toMatchObject({ kind: 'done', version: 'night-lora' });
    expect(full).toMatchObject({ kind: 'done', version: 'night-merged' });
    expect(adapted?.kind === 'done' && full?.kind === 'done' && adapted.text === full.text).toBe(true);
    expect(base?.kind === 'done' && adapted?.kind === 'done' && base.text !== adapted.text).toBe(true);
    await service.onApplicationShutdown();
  });
});

describe('ModelPolicyService when an inference thread dies', () => {
  it('readiness says so, and the version is loaded again and answers', async () => {
    const service = new ModelPolicyService(configOf(policy));
    await service.onModuleInit();
    await service['served']!.model['lanes'][0].worker.terminate();
    expect(service.isLoaded()).toBe(false);
    for (const deadline = Date.now() + 20_000; !service.isLoaded() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(service.isLoaded()).toBe(true);
    const messages: ChatMessage[] = [{ role: 'user', content: 'Is there a free trial?' }];
    expect((await collect(service.reply(messages, { seed: 1 }))).at(-1)).toMatchObject({ kind: 'done', version: 'default' });
    await service.onApplicationShutdown();
  });
});
