import { ModelConfig } from './config';
import { KV_KINDS, kvNames } from './step-graph';

/** Smallest power of two ≥ n and ≥ floor, capped at `cap` (which need not be a power of two). */
export function bucket(n: number, floor: number, cap: number): number {
  let b = floor;
  while (b < n) b *= 2;
  return Math.min(b, cap);
}

/** Every value `bucket(n, floor, cap)` takes for n ≥ 1: the shapes a bucketed dimension can have. */
export function bucketValues(floor: number, cap: number): number[] {
  const values: number[] = [];
  for (let b = floor; b < cap; b *= 2) values.push(b);
  return [...values, cap];
}

/**
 * Cache capacity buckets: floor × 1, 1.5, 2, 3, 4, 6, 8, … (powers of two and the halfway points),
 * capped at `cap`. A decode step reads every slot of the bucket, held or not, and that read is most
 * of a batched step's cost (docs/performance.md, "Serving throughput"), so the padding a power-of-two
 * bucket allows (up to half the slots) is cut to at most a third, at the price of about twice the
 * step shapes to compile.
 */
export function capacityBucket(n: number, floor: number, cap: number): number {
  let k = 0;
  while (capacityStep(floor, k) < n) k++;
  return Math.min(capacityStep(floor, k), cap);
}

/** Every value `capacityBucket(n, floor, cap)` takes for n ≥ 1. */
export function capacityBucketValues(floor: number, cap: number): number[] {
  const values: number[] = [];
  for (let k = 0; capacityStep(floor, k) < cap; k++) values.push(capacityStep(floor, k));
  return [...values, cap];
}

/** The k-th capacity bucket: floor · 2^(k/2) for even k, floor · 1.5 · 2^((k−1)/2) for odd k (whole slots). */
function capacityStep(floor: number, k: number): number {
  return k % 2 === 0 ? floor * 2 ** (k / 2) : Math.ceil(floor * 1.5 * 2 ** ((k - 1) / 2));
}

/** Names of the per-layer key/value arrays, in a fixed order shared by every cache. */
export function kvArrayNames(c: ModelConfig): string[] {
  return Array.from({ length: c.numLayers }, (_, l) => KV_KINDS.map((kind) => kvNames.past(l, kind))).flat();
}

/**
 * One conversation's keys and values outside any batch, kept between its turns: `tokens` are
 * the tokens whose keys/values are held, in order. Each array is [Hkv, capacity, hd] and grows
 * by doubling, so appending a turn copies only what is new.
 */
export class SequenceKv {
  readonly tokens: number[] = [];
  private arrays: Float32Array[];
  private capacity = 0;

  constructor(private readonly config: ModelConfig) {
    this.arrays = kvArrayNames(config).map(() => new Float32Array(0));
  }

  /** Memory held by the key/value arrays. */
  get bytes(): number {
    return this.arrays.reduce((sum, a) => sum + a.byteLength, 0);
  }

  /** Forgets everything from position n on (the prefix a new prompt shares is kept). */
  truncate(n: number): void {
    this.tokens.length = Math.min(this.tokens.length, n);
  }

  /** Length of the prefix `prompt` shares with the held tokens. */
  commonPrefix(prompt: readonly number[]): number {
    const n = Math.min(prompt.length, this.tokens.length);
    let i = 0;
    while (i < n && prompt[i] === this.tokens[i]) i++;
    return i;
  }

  /** Takes the first n positions (keys, values, tokens) of another conversation's cache, e.g. a shared system prompt. */
  copyPrefix(from: SequenceKv, n: number): void {
    this.truncate(0);
    this.reserve(n);
    this.arrays.forEach((_, i) => {
      for (let h = 0; h < this.config.numKvHeads; h++) this.write(i, h, 0, from.read(i, h, 0, n));
    });
    this.tokens.push(...from.tokens.slice(0, n));
  }

  /** Head h of array `index`, positions [from, to). */
  read(index: number, head: number, from: number, to: number): Float32Array {
    const hd = this.config.headDim;
    const base = head * this.capacity * hd;
    return this.arrays[index].subarray(base + from * hd, base + to * hd);
  }

  /** Makes room for `length` positions, keeping what is held. */
  reserve(length: number): void {
    if (length <= this.capacity) return;
    const { numKvHeads: heads, headDim: hd } = this.config;
    const capacity = bucket(length, 64, Infinity);
    this.arrays = this.arrays.map((old) => {
      const grown = new Float32Array(heads * capacity * hd);
      for (let h = 0; h < heads; h++) grown.set(old.subarray(h * this.capacity * hd, h * this.capacity * hd + this.tokens.length * hd), h * capacity * hd);
      return grown;
    });
    this.capacity = capacity;
  }

  /** Writes consecutive positions of head h of array `index`, starting at `position` (after `reserve`). */
  write(index: number, head: number, position: number, values: Float32Array): void {
    const hd = this.config.headDim;
    this.arrays[index].set(values, (head * this.capacity + position) * hd);
  }
}

/**
 * The keys and values of the rows of a running batch, laid out as the step graph reads them:
 * per layer and kind one array [slots, Hkv, C, hd]. Row r lives in slot r, so a batch of B rows
 * is the prefix of B slots (fed to ORT as a view, no copy) and one row's prefill is its slot's
 * view. C is a capacity bucket sized to the longest row, so attention costs what the rows hold
 * (rounded up to a power of two), not a fixed maximum.
 */
export class SlotKvCache {
  /** Positions held per slot. */
  readonly lengths: number[] = [];
  capacity: number;
  private slots = 0;
  private arrays: Float32Array[];
  private readonly names: string[];

  constructor(
    private readonly config: ModelConfig,
    /** Largest capacity bucket (the model's context). */
    readonly maxCapacity: number,
    readonly minCapacity = 64,
  ) {
    this.names = kvArrayNames(config);
    this.capacity = Math.min(minCapacity, maxCapacity);
    this.arrays = this.names.map(() => new Float32Array(0));
  }

  get rowSize(): number {
    return this.config.numKvHeads * this.capacity * this.config.headDim;
  }

  /** Arrays by graph input name for slots [first, first + count). */
  views(first: number, count: number): Map<string, Float32Array> {
    const size = this.rowSize;
    return new Map(this.names.map((name, i) => [name, this.arrays[i].subarray(first * size, (first + count) * size)]));
  }

  /**
   * Ensures `slots` slots of capacity ≥ `longest` positions; shrinks the capacity bucket when
   * the rows got shorter. Rows keep their data (re-laid out when the bucket changes).
   */
  fit(slots: number, longest: number): void {
    if (longest > this.maxCapacity) throw new Error(`${longest} positions exceed the context of ${this.maxCapacity} tokens`);
    const capacity = capacityBucket(longest, this.minCapacity, this.maxCapacity);
    const newSlots = Math.max(slots, this.slots);
    if (capacity === this.capacity && newSlots === this.slots) return;
    const { numKvHeads: heads, headDim: hd } = this.config;
    this.arrays = this.arrays.map((old) => {
      const grown = new Float32Array(newSlots * heads * capacity * hd);
      if (capacity === this.capacity) grown.set(old);
      else {
        for (let s = 0; s < this.lengths.length; s++) {
          for (let h = 0; h < heads; h++) {
            const from = (s * heads + h) * this.capacity * hd;
            grown.set(old.subarray(from, from + this.lengths[s] * hd), (s * heads + h) * capacity * hd);
          }
        }
      }
      return grown;
    });
    this.slots = newSlots;
    this.capacity = capacity;
  }

  /** Writes step outputs: `fresh[i]` is [B, Hkv, P, hd]; row b's first `counts[b]` positions go to slot first + b. */
  append(first: number, counts: number[], chunk: number, fresh: Float32Array[]): void {
    const { numKvHeads: heads, headDim: hd } = this.config;
    const C = this.capacity;
    fresh.forEach((src, i) => {
      const dst = this.arrays[i];
      counts.forEach((n, b) => {
        if (n === 0) return;
        const slot = first + b;
        for (let h = 0; h < heads; h++) {
          const from = (b * heads + h) * chunk * hd;
          dst.set(src.subarray(from, from + n * hd), ((slot * heads + h) * C + this.lengths[slot]) * hd);
        }
      });
    });
    counts.forEach((n, b) => n > 0 && (this.lengths[first + b] += n));
  }

  /** Loads the first n positions of a conversation's cache into a slot. */
  load(slot: number, seq: SequenceKv, n: number): void {
    const { numKvHeads: heads, headDim: hd } = this.config;
    this.arrays.forEach((dst, i) => {
      for (let h = 0; h < heads; h++) dst.set(seq.read(i, h, 0, n), (slot * heads + h) * this.capacity * hd);
    });
    this.lengths[slot] = n;
  }

  /** Copies positions [from, lengths[slot]) of a slot into a conversation's cache. */
  store(slot: number, seq: SequenceKv, from: number): void {
    const { numKvHeads: heads, headDim: hd } = this.config;
    const to = this.lengths[slot];
    seq.reserve(to);
    this.arrays.forEach((src, i) => {
      for (let h = 0; h < heads; h++) {
        const base = (slot * heads + h) * this.capacity * hd;
        seq.write(i, h, from, src.subarray(base + from * hd, base + to * hd));
      }
    });
  }

  /** Moves the row in slot `from` to slot `to` (to keep rows in a prefix of the slots). */
  move(from: number, to: number): void {
    const { numKvHeads: heads, headDim: hd } = this.config;
    const held = this.lengths[from] * hd;
    for (const a of this.arrays) {
      for (let h = 0; h < heads; h++) {
        const src = (from * heads + h) * this.capacity * hd;
        a.copyWithin((to * heads + h) * this.capacity * hd, src, src + held);
      }
    }
    this.lengths[to] = this.lengths[from];
  }

  /** Frees the last slot. */
  pop(): void {
    this.lengths.pop();
  }
}
