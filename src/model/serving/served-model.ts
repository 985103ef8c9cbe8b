import { Worker } from 'node:worker_threads';
import { WeightMode } from '../causal-lm';
import { conversationPromptIds } from '../chat-model';
import { EventStream } from '../generation-stream';
import { checkPrompt, QueueFullError } from '../generator';
import { tokenizerDir } from '../lora/peft';
import { ChatMessage, ChatTokenizer } from '../tokenizer';
import { startWorker } from '../worker-thread';
import { FromServing, ServedResult, ServingInit, ServingReady, ServingRequest, ToServing, Warmup } from './protocol';

export type ServedEvent = { kind: 'delta'; text: string } | { kind: 'done'; result: ServedResult };

/** One request's visible text as it is generated, then its result. */
export class ServedStream extends EventStream<{ kind: 'delta'; text: string }, ServedResult> {}

export interface ServedModelOptions {
  /** Longest sequence (prompt + reply) a row may hold, at most the model's positions. */
  capacity: number;
  maxBatch: number;
  /** Requests allowed to wait beyond the batch's rows; past it `submit` throws QueueFullError. */
  maxQueue: number;
  /** Compile every step shape before the model is ready (no compile stalls a step under traffic). */
  precompile: boolean;
  /** Memory for conversations' key/value caches kept between their turns (least recently used dropped first). */
  cacheBytes: number;
  /** How the step graphs hold the weights (memory against decode speed, see WeightMode); default: by model size. */
  weights?: WeightMode;
  /**
   * Inference threads, each with its own copy of the model, batch of `maxBatch` rows and
   * conversation caches (default 1). With more than one, each runs ORT on one core: one thread
   * samples and batches while another's step runs, which one thread with a two-core ORT pool
   * cannot do (docs/performance.md). A conversation always goes to the same thread (its cache).
   */
  threads?: number;
  /** Called once if an inference thread stops without being released (every reply in flight has failed). */
  onExit?: (error: Error) => void;
}

/** One inference thread and the requests it holds. */
interface Lane {
  worker: Worker;
  requests: Set<number>;
}

/**
 * A model served from its own worker threads: the generator, its continuous batch and the
 * conversations' caches live there, so the blocking ORT calls of each step never stall this
 * thread's sockets, queries and timers. This handle tokenizes prompts, bounds the queue (a
 * `busy` refusal is synchronous, as the generator's was), sends each request to an inference
 * thread and turns the threads' batched events back into one stream per request.
 */
export class ServedModel {
  private nextId = 0;
  private readonly streams = new Map<number, { stream: ServedStream; lane: Lane }>();
  private failure: Error | undefined;
  private released = false;

  private constructor(
    readonly dir: string,
    readonly tokenizer: ChatTokenizer,
    private readonly lanes: Lane[],
    readonly maxContext: number,
    /** Step shapes compiled at load (per thread) and how long it took; absent when not precompiled. */
    readonly warmup: Warmup | undefined,
    private readonly options: ServedModelOptions,
  ) {
    for (const { worker } of lanes) {
      worker.on('message', (m: FromServing) => m.type === 'events' && m.events.forEach((e) => this.deliver(e)));
      worker.on('error', (err) => this.stop(new Error(`an inference thread of ${dir} failed: ${err.message}`)));
      worker.on('exit', (code) => this.stop(new Error(`an inference thread of ${dir} exited (code ${code})`)));
    }
  }

  static async load(dir: string, options: ServedModelOptions): Promise<ServedModel> {
    const tokenizer = await ChatTokenizer.load(await tokenizerDir(dir));
    const threads = options.threads ?? 1;
    const init: ServingInit = {
      dir,
      capacity: options.capacity,
      maxBatch: options.maxBatch,
      precompile: options.precompile,
      cacheBytes: options.cacheBytes / threads,
      weights: options.weights,
      ...(threads > 1 ? { intraOpThreads: 1 } : {}),
    };
    const started = await Promise.allSettled(Array.from({ length: threads }, () => startWorker<ServingReady>(__dirname, 'serving-worker', init, `model ${dir}`)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => s.status === 'fulfilled' && s.value.worker.terminate()));
      throw failed.reason;
    }
    const workers = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; ready: ServingReady }>).value);
    const { maxContext, warmup } = workers[0].ready;
    // The threads compiled side by side: the load took as long as the slowest.
    const slowest = warmup && { shapes: warmup.shapes, seconds: Math.max(...workers.map((w) => w.ready.warmup!.seconds)) };
    return new ServedModel(dir, tokenizer, workers.map(({ worker }) => ({ worker, requests: new Set() })), maxContext, slowest, options);
  }

  /** Rows of the batches of every inference thread. */
  get maxBatch(): number {
    return this.options.maxBatch * this.lanes.length;
  }

  /** Requests waiting for a row of their thread's batch. */
  get queued(): number {
    return this.lanes.reduce((n, lane) => n + Math.max(0, lane.requests.size - this.options.maxBatch), 0);
  }

  /** Rows of the batches in use. */
  get active(): number {
    return this.lanes.reduce((n, lane) => n + Math.min(lane.requests.size, this.options.maxBatch), 0);
  }

  /** False once the inference thread has stopped (released, or failed). */
  get serving(): boolean {
    return this.failure === undefined;
  }

  /** Prompt token ids for a conversation (see `conversationPromptIds`). */
  promptIds(messages: ChatMessage[], reserve: number, assistantPrefix = ''): number[] {
    return conversationPromptIds(this.tokenizer, this.maxContext, messages, reserve, assistantPrefix);
  }

  /** Starts a reply; throws QueueFullError past the queue and at once for a prompt that cannot be answered. */
  submit(request: ServingRequest, signal?: AbortSignal): ServedStream {
    if (this.failure) throw this.failure;
    checkPrompt(request.prompt, this.maxContext);
    const waiting = this.queued;
    if (waiting >= this.options.maxQueue) throw new QueueFullError(waiting);
    const id = this.nextId++;
    const stream = new ServedStream();
    const lane = this.laneFor(request.conversationId);
    this.streams.set(id, { stream, lane });
    lane.requests.add(id);
    lane.worker.postMessage({ type: 'submit', id, request, cancelled: signal?.aborted } satisfies ToServing);
    signal?.addEventListener('abort', () => this.streams.has(id) && lane.worker.postMessage({ type: 'cancel', id } satisfies ToServing), { once: true });
    return stream;
  }

  /** Drops the conversation's cache. */
  forget(conversationId: string): void {
    if (!this.failure) this.laneFor(conversationId).worker.postMessage({ type: 'forget', conversationId } satisfies ToServing);
  }

  /** Stops the inference threads (replies still generating fail). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.failure) return;
    await Promise.all(
      this.lanes.map(({ worker }) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage({ type: 'close' } satisfies ToServing);
        return exited;
      }),
    );
  }

  /** A conversation's thread, by a hash of its id so its turns find their cache; others go where fewest requests are. */
  private laneFor(conversationId: string | undefined): Lane {
    if (conversationId === undefined) return this.lanes.reduce((a, b) => (b.requests.size < a.requests.size ? b : a));
    let hash = 0x811c9dc5;
    for (let i = 0; i < conversationId.length; i++) hash = Math.imul(hash ^ conversationId.charCodeAt(i), 0x01000193);
    return this.lanes[(hash >>> 0) % this.lanes.length];
  }

  private deliver(event: FromServing['events'][number]): void {
    const held = this.streams.get(event.id);
    if (!held) return;
    if ('delta' in event) return held.stream.push({ kind: 'delta', text: event.delta });
    this.streams.delete(event.id);
    held.lane.requests.delete(event.id);
    if ('done' in event) held.stream.push({ kind: 'done', result: event.done });
    else held.stream.fail(new Error(event.failed));
  }

  /** Any thread stopping stops the model: every reply in flight fails, and the owner loads it again. */
  private stop(error: Error): void {
    if (this.failure) return;
    this.failure = this.released ? new Error(`the model ${this.dir} was released`) : error;
    for (const { stream } of this.streams.values()) stream.fail(this.failure);
    this.streams.clear();
    for (const lane of this.lanes) lane.requests.clear();
    if (!this.released) {
      // Closed, not terminated: a thread terminated inside an ORT run aborts the whole process
      // (onnxruntime-node's binding throws a C++ exception when its env goes away under a run).
      for (const { worker } of this.lanes) worker.postMessage({ type: 'close' } satisfies ToServing);
      this.options.onExit?.(error);
    }
  }
}
