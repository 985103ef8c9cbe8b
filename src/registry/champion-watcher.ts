import { EventEmitter } from 'node:events';
import { Client, ClientConfig } from 'pg';
import { Canary, Champion, CHAMPION_CHANNEL } from './model-registry';

export interface ChampionWatcherOptions {
  /** How to open the dedicated LISTEN connection; undefined: polling only. */
  listen?: ClientConfig;
  /** Reads the current champion (from the watcher's own schema). */
  readChampion: () => Promise<Champion | null>;
  /** Reads the running canary; absent: canaries are not watched. */
  readCanary?: () => Promise<Canary | null>;
  /** Polling fallback period: catches changes while LISTEN is down (or unsupported, as on the embedded database). */
  pollMs: number;
  onError?: (err: Error) => void;
}

/**
 * Emits `change` with the new champion whenever the registry's champion changes, and `canary` with
 * the running canary (or null) whenever that changes: woken by
 * NOTIFY on `closer_champion` (payloads are only hints: channels are database-wide, so the
 * champion is always re-read), and by a polling fallback. A lost LISTEN connection is reopened
 * at the next poll.
 */
export class ChampionWatcher extends EventEmitter<{ change: [Champion]; canary: [Canary | null]; listening: [] }> {
  private current: Champion | null | undefined;
  private currentCanary: Canary | null | undefined;
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: ChampionWatcherOptions) {
    super();
  }

  /** The champion as last read (undefined before start). */
  get champion(): Champion | null | undefined {
    return this.current;
  }

  /** The canary as last read (undefined before start, or when canaries are not watched). */
  get canary(): Canary | null | undefined {
    return this.currentCanary;
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Reads the champion (announced as a change, so a subscriber that read it earlier learns of a promotion in between). */
  async start(): Promise<void> {
    await this.check();
    await this.listen();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Re-reads the champion; checks are serialised so two wake-ups never emit the same change twice. */
  check(): Promise<void> {
    this.checking = this.checking.then(async () => {
      if (this.stopped) return;
      const next = await this.o.readChampion();
      if (next && next.id !== this.current?.id) {
        this.current = next;
        this.emit('change', next);
      } else if (!next) this.current = null;
      if (!this.o.readCanary) return;
      const canary = await this.o.readCanary();
      if ((canary?.canaryId ?? null) !== (this.currentCanary?.canaryId ?? null) || this.currentCanary === undefined) {
        this.currentCanary = canary;
        this.emit('canary', canary);
      }
    }).catch((err: Error) => this.o.onError?.(err));
    return this.checking;
  }

  private async poll(): Promise<void> {
    if (!this.client) await this.listen();
    await this.check();
  }

  private async listen(): Promise<void> {
    if (!this.o.listen || this.stopped) return;
    const client = new Client(this.o.listen);
    const drop = (err?: Error) => {
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (err) this.o.onError?.(err);
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (n) => {
      if (n.channel === CHAMPION_CHANNEL) void this.check();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHAMPION_CHANNEL}`);
      if (this.stopped) return void (await client.end());
      this.client = client;
      this.emit('listening');
      // A change committed between the first read and LISTEN would otherwise wait for the next poll.
      await this.check();
    } catch (err) {
      drop(err as Error);
    }
  }
}
