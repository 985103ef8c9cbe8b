/**
 * The inference loop alone on chat traffic: `ServingHost` (what a served model's thread runs:
 * generator, continuous batching, conversation caches) driven in-process by N visitors, each a
 * 5-turn conversation whose next message is sent as soon as the reply is done, serving sampling.
 * No server, sockets or database: what the inference thread can deliver on the server's kind of
 * traffic, and against the engine's greedy batch decode on a prompt of the same mean length,
 * measured in the same run; the loop's own time is split into prefill calls, decode steps and the
 * rest (sampling, detokenizing, batching, events). Prints one JSON line:
 *   npm run bench:serving-host [-- --visitors 40 --max-batch 8 --model models/default --threads N]
 */
import { performance } from 'node:perf_hooks';
import { shippedCatalog, systemPrompt } from '../src/catalog';
import { ChatMessage, ChatModel } from '../src/model';
import { ServedResult } from '../src/model/serving/protocol';
import { ServingHost } from '../src/model/serving/serving-host';
import { engineDecode } from './support/engine-decode';
import { conversations } from './support/load-visitor';
import { machine } from './support/server';
import { parseArgs, round } from './support/stats';

const args = parseArgs(process.argv.slice(2));
const visitors = Number(args.get('visitors') ?? 40);
const maxBatch = Number(args.get('max-batch') ?? 8);
const dir = args.get('model') ?? 'models/default';
/** ORT intra-op threads of batched steps (default: ORT's choice, every core; single-row steps always use 1). */
const threads = args.has('threads') ? Number(args.get('threads')) : undefined;
const replyMaxTokens = 120;
const sampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

async function main(): Promise<void> {
  const model = await ChatModel.load(dir, { capacity: 512, maxBatch, allShapes: true, intraOpThreads: threads });
  const warmup = await model.generator.precompile();
  const forwards = timeForwards(model);
  const done = new Map<number, (r: ServedResult) => void>();
  const host = new ServingHost(model, 256 * 2 ** 20, (events) => {
    for (const e of events) if ('done' in e) done.get(e.id)?.(e.done);
  });
  let nextId = 0;
  const replies: ServedResult[] = [];
  const visit = async (v: number) => {
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(shippedCatalog()) }];
    for (const text of conversations[v % conversations.length]) {
      messages.push({ role: 'user', content: text });
      const id = nextId++;
      const reply = new Promise<ServedResult>((resolve) => done.set(id, resolve));
      host.submit(id, { ...sampling, prompt: model.promptIds(messages, replyMaxTokens), maxNewTokens: replyMaxTokens, seed: id, conversationId: `visitor-${v}` });
      const result = await reply;
      replies.push(result);
      messages.push({ role: 'assistant', content: result.text.trim() });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: visitors }, (_, v) => visit(v)));
  const seconds = (performance.now() - started) / 1000;
  const loop = structuredClone(forwards); // before the engine's own decode below adds to it
  const tokens = replies.reduce((n, r) => n + r.completionTokens, 0);
  const meanPrompt = replies.reduce((n, r) => n + r.promptTokens, 0) / replies.length;

  const prompt = model.tokenizer.encode(conversations.flat().join(' ').repeat(8)).slice(0, Math.round(meanPrompt));
  await engineDecode(model.generator.lm, prompt, maxBatch, replyMaxTokens);
  const engine = Math.max(...[await engineDecode(model.generator.lm, prompt, maxBatch, replyMaxTokens), await engineDecode(model.generator.lm, prompt, maxBatch, replyMaxTokens)].map((r) => r.decodeTokensPerS));
  console.log(
    JSON.stringify({
      bench: 'serving-host',
      visitors,
      max_batch: maxBatch,
      intra_op_threads: threads ?? 'ort-default',
      replies: replies.length,
      mean_reply_tokens: round(tokens / replies.length),
      mean_prompt_tokens: round(meanPrompt),
      mean_reused_prompt_tokens: round(replies.reduce((n, r) => n + r.reusedTokens, 0) / replies.length),
      seconds: round(seconds),
      tokens_per_s: round(tokens / seconds),
      engine_greedy_decode_tokens_per_s: round(engine),
      ratio_to_engine: Math.round((tokens / seconds / engine) * 1000) / 1000,
      loop_seconds: {
        prefill: round(loop.prefill.seconds),
        decode: round(loop.decode.seconds),
        other: round(seconds - loop.prefill.seconds - loop.decode.seconds),
      },
      prefill_calls: loop.prefill.calls,
      prefilled_tokens: loop.prefill.tokens,
      decode_steps: loop.decode.calls,
      mean_rows_per_decode_step: round(loop.decode.tokens / Math.max(1, loop.decode.calls)),
      precompile: { shapes: warmup.shapes, seconds: round(warmup.seconds) },
      model: dir,
      machine: machine(),
    }),
  );
  await host.release();
}

/**
 * Wraps the model's forward pass to add up its calls, tokens and time, apart for decode steps
 * (one token per row) and prefill chunks (the generator's chunks are never shorter than 16).
 */
function timeForwards(model: ChatModel) {
  const totals = { prefill: { calls: 0, tokens: 0, seconds: 0 }, decode: { calls: 0, tokens: 0, seconds: 0 } };
  const lm = model.generator.lm;
  const forward = lm.forward.bind(lm);
  lm.forward = async (cache, first, tokens, chunk) => {
    const started = performance.now();
    const logits = await forward(cache, first, tokens, chunk);
    const kind = chunk === 1 ? totals.decode : totals.prefill;
    kind.calls++;
    kind.tokens += tokens.reduce((n, t) => n + t.length, 0);
    kind.seconds += (performance.now() - started) / 1000;
    return logits;
  };
  return totals;
}

void main();
