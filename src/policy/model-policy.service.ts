import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { basename } from 'node:path';
import { AppConfig, PolicyConfig } from '../config';
import { ModelStatus } from '../health';
import { ChatMessage, QueueFullError, ServedModel } from '../model';
import { Canary, Champion, ChampionWatcherService, ModelRegistry, servedByCanary } from '../registry';
import { PolicyBusyError, PolicyLoad, ReplyEvent, ReplyOptions, ReplyPolicy } from './reply-policy';
import { replyRequest } from './reply-request';

const sampling = { temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

/** One loaded model version (its inference thread holds its conversations' caches) and the replies still generating on it. */
interface ServedVersion {
  /** The registry's id (undefined for a model folder served without a registry). */
  id?: string;
  name: string;
  model: ServedModel;
  replies: number;
  /** Replaced by a newer champion: released once its last reply ends. */
  retired: boolean;
}

/**
 * The served model: the registry's champion (MODEL_DIR until there is one), loaded at start-up
 * in its own inference thread (`ServedModel`), every step shape compiled before it takes traffic
 * (POLICY_PRECOMPILE); replies of concurrent sessions share the running batch (continuous
 * batching: a reply joins at the next decode step and leaves when it ends), and each session's
 * cache survives between its turns so a turn prefills only what is new.
 *
 * Hot swap: when the champion changes (LISTEN/NOTIFY or polling, `ChampionWatcherService`), the new
 * version is loaded beside the old one and new replies go to it; replies already generating finish
 * on the old model, which is released after the last of them. Each reply names its version.
 *
 * Canary: while the registry has one, it is loaded beside the champion (before it takes traffic)
 * and writes the replies of the new sessions the stable hash assigns it (`servedByCanary`); a
 * conversation stays on the version that wrote its earlier replies while that version is served.
 */
@Injectable()
export class ModelPolicyService implements ReplyPolicy, ModelStatus, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ModelPolicyService.name);
  private readonly config: PolicyConfig;
  private served: ServedVersion | undefined;
  private canary: (ServedVersion & { canary: Canary }) | undefined;
  /** Swaps run one at a time, in the order the changes arrived. */
  private swapping: Promise<void> = Promise.resolve();

  constructor(
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
    // Absent only where a model folder is served without a registry (unit tests).
    @Optional() private readonly registry?: ModelRegistry,
    @Optional() private readonly watcher?: ChampionWatcherService,
  ) {
    this.config = config.get('policy', { infer: true });
  }

  async onModuleInit(): Promise<void> {
    const champion = await this.registry?.champion();
    this.served = await this.load(champion?.name ?? basename(this.config.modelDir), champion?.artifactPath ?? this.config.modelDir, champion?.id);
    this.logger.log(`serving ${this.served.name} (${this.served.model.dir})`);
    this.watcher?.on('change', (next) => void this.swapTo(next));
    this.watcher?.on('canary', (next) => void this.serveCanary(next));
    const canary = await this.registry?.canary();
    if (canary) await this.serveCanary(canary);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.swapping;
    await Promise.all([this.served?.model.release(), this.canary?.model.release()]);
  }

  /** The canary being served beside the champion, if any. */
  canaryName(): string | undefined {
    return this.canary?.name;
  }

  isLoaded(): boolean {
    return this.served?.model.serving === true;
  }

  versionName(): string | undefined {
    return this.served?.name;
  }

  /** The served model's generator: replies waiting and rows running (a retired model finishing its last replies is not counted). */
  batchLoad(): PolicyLoad {
    const model = this.served?.model;
    return { queued: model?.queued ?? 0, active: model?.active ?? 0, maxBatch: model?.maxBatch ?? this.config.maxBatch * this.config.inferenceThreads };
  }

  /** Serves `champion` from now on (no-op when it already is); a version that fails to load leaves the current one serving. */
  swapTo(champion: Champion): Promise<void> {
    this.swapping = this.swapping.then(async () => {
      if (!this.served || this.served.name === champion.name) return;
      let next: ServedVersion;
      try {
        next = await this.load(champion.name, champion.artifactPath, champion.id);
      } catch (err) {
        this.logger.error(`champion ${champion.name} could not be loaded from ${champion.artifactPath}; still serving ${this.served.name}: ${(err as Error).message}`);
        return;
      }
      const previous = this.served;
      this.served = next;
      await this.retire(previous);
      this.logger.log(`now serving ${next.name} (${next.model.dir})`);
    });
    return this.swapping;
  }

  /**
   * Serves `canary` beside the champion from now on, or none (null). A canary promoted to champion
   * is loaded once more by the swap and the canary copy retired, which keeps the two paths simple
   * at the price of one load.
   */
  serveCanary(canary: Canary | null): Promise<void> {
    this.swapping = this.swapping.then(async () => {
      if ((this.canary?.canary.canaryId ?? null) === (canary?.canaryId ?? null)) return;
      const previous = this.canary;
      this.canary = undefined;
      if (canary) {
        try {
          this.canary = { ...(await this.load(canary.name, canary.artifactPath, canary.id)), canary };
          this.logger.log(`canary ${canary.name} serves ${Math.round(canary.share * 100)}% of new sessions (${canary.artifactPath})`);
        } catch (err) {
          this.logger.error(`canary ${canary.name} could not be loaded from ${canary.artifactPath}; the champion serves every session: ${(err as Error).message}`);
        }
      }
      if (previous) await this.retire(previous);
    });
    return this.swapping;
  }

  /** Its cache on the champion and on the canary (a retired model's go when it is released). */
  forget(conversationId: string): void {
    for (const served of [this.served, this.canary]) served?.model.forget(conversationId);
  }

  assertFits(messages: ChatMessage[]): void {
    this.current().model.promptIds(messages, this.config.replyMaxTokens);
  }

  async *reply(messages: ChatMessage[], options: ReplyOptions): AsyncIterable<ReplyEvent> {
    const { signal, conversationId, stickTo } = options;
    // The reply stays on the version it started on, whatever is swapped in meanwhile.
    const served = this.servedFor(conversationId, stickTo);
    const { model } = served;
    // A caller that stops reading (a regenerated sentence, a closed socket) stops the generation too.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    if (signal?.aborted) stop.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let stream;
    try {
      stream = model.submit({ ...sampling, ...replyRequest(model, messages, options, this.config.replyMaxTokens), conversationId }, stop.signal);
    } catch (err) {
      signal?.removeEventListener('abort', onAbort);
      throw err instanceof QueueFullError ? new PolicyBusyError(err.queued) : err;
    }
    served.replies++;
    try {
      for await (const e of stream) {
        if (e.kind === 'delta') yield { kind: 'delta', text: e.text };
        else yield { kind: 'done', text: e.result.text.trim(), completionTokens: e.result.completionTokens, promptTokens: e.result.promptTokens, version: served.name };
      }
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      served.replies--;
      await this.releaseIfIdle(served);
    }
  }

  /** The version that writes this conversation's reply: the one that wrote its earlier replies while served, else the canary's share of sessions, else the champion. */
  private servedFor(conversationId: string | undefined, stickTo: string | undefined): ServedVersion {
    const champion = this.current();
    const canary = this.canary;
    if (!canary || conversationId === undefined) return champion;
    if (stickTo !== undefined && (stickTo === canary.id || stickTo === champion.id)) return stickTo === canary.id ? canary : champion;
    return servedByCanary(conversationId, canary.canary.canaryId, canary.canary.share) ? canary : champion;
  }

  private async load(name: string, dir: string, id?: string): Promise<ServedVersion> {
    const { contextTokens, maxBatch, maxQueue, precompile, weights, conversationCacheMb, inferenceThreads } = this.config;
    const model = await ServedModel.load(dir, {
      capacity: contextTokens,
      maxBatch,
      maxQueue,
      precompile,
      weights,
      threads: inferenceThreads,
      cacheBytes: conversationCacheMb * 2 ** 20,
      onExit: (err) => this.recover(version, err),
    });
    if (model.warmup) this.logger.log(`${name}: ${model.warmup.shapes} step shapes compiled in ${model.warmup.seconds.toFixed(1)} s`);
    const version: ServedVersion = { id, name, model, replies: 0, retired: false };
    return version;
  }

  /** A served version whose inference thread died is loaded again (its replies in flight have failed; readiness says so meanwhile). */
  private recover(dead: ServedVersion, err: Error): void {
    this.logger.error(`the inference thread of ${dead.name} stopped (${err.message}); loading it again`);
    this.swapping = this.swapping.then(async () => {
      const isChampion = dead.model === this.served?.model;
      if (!isChampion && dead.model !== this.canary?.model) return;
      try {
        const again = await this.load(dead.name, dead.model.dir, dead.id);
        if (isChampion) this.served = again;
        else if (this.canary) this.canary = { ...again, canary: this.canary.canary };
        this.logger.log(`serving ${dead.name} again`);
      } catch (reloadErr) {
        this.logger.error(`${dead.name} could not be loaded again: ${(reloadErr as Error).message}`);
      }
    });
  }

  /** No new replies go to `served`; it is released after its last one. */
  private async retire(served: ServedVersion): Promise<void> {
    served.retired = true;
    await this.releaseIfIdle(served);
  }

  private async releaseIfIdle(served: ServedVersion): Promise<void> {
    if (served.retired && served.replies === 0) await served.model.release();
  }

  private current(): ServedVersion {
    if (!this.served) throw new Error('the policy model is not loaded');
    return this.served;
  }
}
