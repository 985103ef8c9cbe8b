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
  /** Called once if the inference thread stops without being released (its replies have failed). */
  onExit?: (error: Error) => void;
}

/**
 * A model served from its own worker thread: the generator, its continuous batch and the
 * conversations' caches live there, so the blocking ORT calls of each step never stall this
 * thread's sockets, queries and timers. This handle tokenizes prompts, bounds the queue (a
 * `busy` refusal is synchronous, as the generator's was) and turns the thread's batched events
 * back into one stream per request.
 */
export class ServedModel {
  private nextId = 0;
  private readonly streams = new Map<number, ServedStream>();
  private failure: Error | undefined;
  private released = false;

  private constructor(
    readonly dir: string,
    readonly tokenizer: ChatTokenizer,
    private readonly worker: Worker,
    readonly maxContext: number,
    /** Step shapes compiled at load and how long it took; absent when not precompiled. */
    readonly warmup: Warmup | undefined,
    private readonly options: ServedModelOptions,
  ) {
    worker.on('message', (m: FromServing) => m.type === 'events' && m.events.forEach((e) => this.deliver(e)));
    worker.on('error', (err) => this.stop(err));
    worker.on('exit', (code) => this.stop(new Error(`the inference thread of ${dir} exited (code ${code})`)));
  }

  static async load(dir: string, options: ServedModelOptions): Promise<ServedModel> {
    const tokenizer = await ChatTokenizer.load(await tokenizerDir(dir));
    const init: ServingInit = { dir, capacity: options.capacity, maxBatch: options.maxBatch, precompile: options.precompile, cacheBytes: options.cacheBytes, weights: options.weights };
    const { worker, ready } = await startWorker<ServingReady>(__dirname, 'serving-worker', init, `model ${dir}`);
    return new ServedModel(dir, tokenizer, worker, ready.maxContext, ready.warmup, options);
  }

  get maxBatch(): number {
    return this.options.maxBatch;
  }

  /** Requests waiting for a row of the batch. */
  get queued(): number {
    return Math.max(0, this.streams.size - this.maxBatch);
  }

  /** Rows of the batch in use. */
  get active(): number {
    return Math.min(this.streams.size, this.maxBatch);
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
    const waiting = this.streams.size - this.maxBatch;
    if (waiting >= this.options.maxQueue) throw new QueueFullError(waiting);
    const id = this.nextId++;
    const stream = new ServedStream();
    this.streams.set(id, stream);
    this.post({ type: 'submit', id, request, cancelled: signal?.aborted });
    signal?.addEventListener('abort', () => this.streams.has(id) && this.post({ type: 'cancel', id }), { once: true });
    return stream;
  }

  /** Drops the conversation's cache. */
  forget(conversationId: string): void {
    if (!this.failure) this.post({ type: 'forget', conversationId });
  }

  /** Stops the inference thread (replies still generating fail). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.failure) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.post({ type: 'close' });
    await exited;
  }

  private post(message: ToServing): void {
    this.worker.postMessage(message);
  }

  private deliver(event: FromServing['events'][number]): void {
    const stream = this.streams.get(event.id);
    if (!stream) return;
    if ('delta' in event) return stream.push({ kind: 'delta', text: event.delta });
    this.streams.delete(event.id);
    if ('done' in event) stream.push({ kind: 'done', result: event.done });
    else stream.fail(new Error(event.failed));
  }

  private stop(error: Error): void {
    if (this.failure) return;
    this.failure = this.released ? new Error(`the model ${this.dir} was released`) : error;
    for (const stream of this.streams.values()) stream.fail(this.failure);
    this.streams.clear();
    if (!this.released) this.options.onExit?.(error);
  }
}
