import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatModel } from '../chat-model';
import { QueueFullError } from '../generator';
import { ChatMessage } from '../tokenizer';
import { ServedModel, ServedModelOptions } from './served-model';
import { ServedResult } from './protocol';

const modelDir = join(__dirname, '..', '..', '..', 'models', 'default');
const options: ServedModelOptions = { capacity: 256, maxBatch: 2, maxQueue: 1, precompile: false, cacheBytes: 64 * 2 ** 20 };
const sampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };
const messages: ChatMessage[] = [{ role: 'user', content: 'How much is the Growth plan?' }];

async function collect(model: ServedModel, request: Parameters<ServedModel['submit']>[0], signal?: AbortSignal): Promise<{ deltas: string[]; result: ServedResult }> {
  const deltas: string[] = [];
  for await (const e of model.submit(request, signal)) {
    if (e.kind === 'delta') deltas.push(e.text);
    else return { deltas, result: e.result };
  }
  throw new Error('no result');
}

/**
 * Ends an inference thread the way a bug would: an uncaught error in it (a malformed message),
 * which stops the thread between two steps. `worker.terminate()` during a step would abort this
 * whole process instead (onnxruntime-node's binding throws a C++ exception when the thread's env
 * goes away under a run), as it would a server's.
 */
function crash(model: ServedModel, lane: number): Promise<number> {
  const { worker } = model['lanes'][lane];
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.postMessage({ type: 'submit', id: -1, request: null });
  return exited;
}

describe('ServedModel (the default model in its own inference thread)', () => {
  let served: ServedModel;
  let inThread: ChatModel;
  beforeAll(async () => {
    [served, inThread] = await Promise.all([ServedModel.load(modelDir, options), ChatModel.load(modelDir, { capacity: 256, maxBatch: 2 })]);
  });
  afterAll(() => Promise.all([served.release(), inThread.release()]));

  it('writes the reply the in-thread generator writes for the same seed, its deltas adding up to it', async () => {
    const prompt = served.promptIds(messages, 24);
    expect(prompt).toEqual(inThread.promptIds(messages, 24));
    const { deltas, result } = await collect(served, { ...sampling, prompt, maxNewTokens: 24, seed: 3 });
    const expected = await inThread.generator.submit({ ...sampling, prompt, maxNewTokens: 24, seed: 3 }).result;
    expect(result).toEqual({ text: expected.text, completionTokens: expected.tokens.length, promptTokens: prompt.length, reusedTokens: 0, finishReason: expected.finishReason });
    expect(deltas.join('')).toBe(result.text);
  });

  it("keeps a conversation's cache between its turns, and forgets it", async () => {
    const first = served.promptIds(messages, 24);
    const { result } = await collect(served, { ...sampling, prompt: first, maxNewTokens: 24, seed: 1, conversationId: 'kept' });
    const next = served.promptIds([...messages, { role: 'assistant', content: result.text }, { role: 'user', content: 'And for 12 people?' }], 24);
    const cached = await collect(served, { ...sampling, prompt: next, maxNewTokens: 24, seed: 2, conversationId: 'kept' });
    const uncached = await collect(served, { ...sampling, prompt: next, maxNewTokens: 24, seed: 2 });
    expect(cached.result.reusedTokens).toBeGreaterThan(first.length);
    expect({ ...cached.result, reusedTokens: 0 }).toEqual(uncached.result);

    served.forget('kept');
    const forgotten = await collect(served, { ...sampling, prompt: next, maxNewTokens: 24, seed: 2, conversationId: 'kept' });
    expect(forgotten.result.reusedTokens).toBe(0);
  });

  it('refuses past the queue at once (two rows running, one waiting), and counts rows and waiting requests', async () => {
    const prompt = served.promptIds(messages, 24);
    const streams = [1, 2, 3].map((seed) => served.submit({ ...sampling, prompt, maxNewTokens: 24, seed }));
    expect({ active: served.active, queued: served.queued }).toEqual({ active: 2, queued: 1 });
    expect(() => served.submit({ ...sampling, prompt, maxNewTokens: 24, seed: 4 })).toThrow(QueueFullError);
    await Promise.all(streams.map((s) => s.result));
    expect({ active: served.active, queued: served.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('refuses a prompt that leaves no room for a reply before anything crosses to the thread', () => {
    expect(() => served.submit({ prompt: [], maxNewTokens: 4, seed: 1 })).toThrow('the prompt is empty');
    expect(() => served.submit({ prompt: Array(256).fill(5), maxNewTokens: 4, seed: 1 })).toThrow('leaves no room');
  });

  it('stops a reply when its signal aborts, already aborted or midway', async () => {
    const prompt = served.promptIds(messages, 60);
    const early = await collect(served, { ...sampling, prompt, maxNewTokens: 60, seed: 5 }, AbortSignal.abort());
    expect(early.result).toMatchObject({ finishReason: 'cancelled', completionTokens: 0 });

    const controller = new AbortController();
    const stream = served.submit({ ...sampling, prompt, maxNewTokens: 60, temperature: 5, seed: 6 }, controller.signal);
    for await (const e of stream) if (e.kind === 'delta') break;
    controller.abort();
    const result = await stream.result;
    expect(result.finishReason).toBe('cancelled');
    expect(result.completionTokens).toBeLessThan(60);
  });
});

describe('ServedModel on two inference threads', () => {
  let served: ServedModel;
  beforeAll(async () => {
    served = await ServedModel.load(modelDir, { ...options, maxQueue: 4, threads: 2 });
  });
  afterAll(() => served.release());

  it('writes the same replies, keeps each conversation on the thread that holds its cache, and spreads conversations over both', async () => {
    const prompt = served.promptIds(messages, 24);
    const one = await ServedModel.load(modelDir, options);
    const single = await collect(one, { ...sampling, prompt, maxNewTokens: 24, seed: 3 });
    await one.release();
    expect((await collect(served, { ...sampling, prompt, maxNewTokens: 24, seed: 3 })).result).toEqual(single.result);

    const conversations = Array.from({ length: 8 }, (_, i) => `visitor-${i}`);
    const lanes = new Set(conversations.map((c) => served['laneFor'](c)));
    expect(lanes.size).toBe(2);
    const firsts = await Promise.all(conversations.map((c, i) => collect(served, { ...sampling, prompt, maxNewTokens: 24, seed: i, conversationId: c })));
    const seconds = await Promise.all(
      conversations.map((c, i) => {
        const next = served.promptIds([...messages, { role: 'assistant', content: firsts[i].result.text }, { role: 'user', content: 'And for 12 people?' }], 24);
        return collect(served, { ...sampling, prompt: next, maxNewTokens: 24, seed: i, conversationId: c });
      }),
    );
    for (const s of seconds) expect(s.result.reusedTokens).toBeGreaterThan(prompt.length);
  });

  it('counts rows and waiting requests over both threads, and refuses past the queue', async () => {
    expect(served.maxBatch).toBe(4);
    const prompt = served.promptIds(messages, 24);
    // Requests without a conversation go to the thread holding fewer: two rows each, then two wait on each.
    const streams = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => served.submit({ ...sampling, prompt, maxNewTokens: 24, seed }));
    expect(served['lanes'].map((lane) => lane.requests.size)).toEqual([4, 4]);
    expect({ active: served.active, queued: served.queued }).toEqual({ active: 4, queued: 4 });
    expect(() => served.submit({ ...sampling, prompt, maxNewTokens: 24, seed: 9 })).toThrow(QueueFullError);
    await Promise.all(streams.map((s) => s.result));
    expect({ active: served.active, queued: served.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('stops the other thread too when one dies, and fails what either held', async () => {
    const onExit = jest.fn();
    const pair = await ServedModel.load(modelDir, { ...options, threads: 2, onExit });
    const prompt = pair.promptIds(messages, 60);
    const streams = [1, 2].map((seed) => pair.submit({ ...sampling, prompt, maxNewTokens: 60, seed }));
    // The other thread is closed, not terminated (see crash()), and ends by itself.
    const otherExits = new Promise((resolve) => pair['lanes'][0].worker.once('exit', resolve));
    await crash(pair, 1);
    for (const s of streams) await expect(s.result).rejects.toThrow('an inference thread of');
    await otherExits;
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(pair.serving).toBe(false);
    await pair.release();
  });
});

describe('ServedModel loading and stopping', () => {
  it('compiles every serving shape before it is ready when asked to', async () => {
    const served = await ServedModel.load(modelDir, { ...options, capacity: 128, precompile: true });
    const inThread = await ChatModel.load(modelDir, { capacity: 128, maxBatch: 2 });
    expect(served.warmup).toMatchObject({ shapes: inThread.generator.servingShapes().length });
    expect(served.warmup!.seconds).toBeGreaterThan(0);
    await Promise.all([served.release(), inThread.release()]);
  });

  (process.platform === 'linux' ? it : it.skip)('runs inference, ORT pool threads included, nicer than the thread that loaded it', async () => {
    const nice = () => readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]));
    const own = getPriority(0);
    const before = nice().filter((n) => n > own).length;
    const served = await ServedModel.load(modelDir, { ...options, threads: 2 });
    await collect(served, { ...sampling, prompt: served.promptIds(messages, 8), maxNewTokens: 8, seed: 1 });
    // Two inference threads at least, each with the pool threads its ORT sessions started.
    expect(nice().filter((n) => n === Math.min(19, own + 10)).length - before).toBeGreaterThanOrEqual(2);
    await served.release();
  });

  it('a folder that is not a model fails to load with the reason', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'closer-served-'));
    cpSync(join(modelDir, 'tokenizer.json'), join(empty, 'tokenizer.json'));
    cpSync(join(modelDir, 'tokenizer_config.json'), join(empty, 'tokenizer_config.json'));
    await expect(ServedModel.load(empty, options)).rejects.toThrow(`model ${empty}:`);
  });

  it('an inference thread that dies fails its replies, refuses new ones and says so once', async () => {
    const onExit = jest.fn();
    const served = await ServedModel.load(modelDir, { ...options, onExit });
    const stream = served.submit({ ...sampling, prompt: served.promptIds(messages, 24), maxNewTokens: 24, seed: 1 });
    expect(await crash(served, 0)).toBe(1);
    await expect(stream.result).rejects.toThrow(/an inference thread of .* failed: Cannot destructure/);
    expect(served.serving).toBe(false);
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(() => served.submit({ prompt: [1, 2], maxNewTokens: 4, seed: 1 })).toThrow('failed');
    await served.release();
  });

  it('released: replies in flight fail, the thread ends, and nothing is reported as a failure', async () => {
    const onExit = jest.fn();
    const served = await ServedModel.load(modelDir, { ...options, onExit });
    const stream = served.submit({ ...sampling, prompt: served.promptIds(messages, 60), maxNewTokens: 60, seed: 1 });
    await served.release();
    await expect(stream.result).rejects.toThrow('released');
    expect(served.serving).toBe(false);
    expect(onExit).not.toHaveBeenCalled();
  });
});
