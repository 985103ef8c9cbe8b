import { FileHandle, open } from 'node:fs/promises';
import { Shape, size } from './shape';

/** One tensor as read from or written to a .safetensors file. */
export interface NamedTensor {
  name: string;
  shape: Shape;
  data: Float32Array | Float64Array;
}

/** Storage types this reader converts (to float32; F64 stays float64). */
export type StoredDType = 'F32' | 'F64' | 'F16' | 'BF16';
const BYTES: Record<StoredDType, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** One header entry: where a tensor's bytes sit, relative to the end of the header. */
export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  entries: Map<string, TensorEntry>;
  /** File offset of the data section (8 + header length). */
  dataStart: number;
}

/** fs reads are capped at 2 GiB − 1 bytes per call; larger ranges are read in pieces. */
const READ_CHUNK = 1 << 30;

export interface WriteOptions {
  /** Stored type of float32 data: F32 (default) or BF16 (rounded to nearest even). F64 data stays F64. */
  dtype?: 'F32' | 'BF16';
}

/**
 * Writes the safetensors layout (8-byte little-endian header length, JSON header, raw
 * little-endian data), the format Hugging Face checkpoints use. Tensors are written one by one
 * through a file handle, so the file may exceed any single buffer.
 */
export async function writeSafetensors(path: string, tensors: NamedTensor[], metadata: Record<string, string> = {}, { dtype = 'F32' }: WriteOptions = {}): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const stored = tensors.map((t) => {
    if (t.data.length !== size(t.shape)) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const type: StoredDType = t.data instanceof Float64Array ? 'F64' : dtype;
    const end = offset + t.data.length * BYTES[type];
    header[t.name] = { dtype: type, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
    return { t, type };
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keep the data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  const file = await open(path, 'w');
  try {
    await file.write(prefix);
    await file.write(headerBytes);
    for (const { t, type } of stored) {
      const bytes = type === 'BF16' ? floatToBf16(t.data as Float32Array) : t.data;
      await writeAll(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  } finally {
    await file.close();
  }
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** F32/F16/BF16 tensors as Float32Array, F64 as Float64Array. */
  tensors: Map<string, NamedTensor>;
}

/** Reads the header only: tensor names, types, shapes and byte ranges. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const file = await open(path, 'r');
  try {
    return await readHeader(file, path);
  } finally {
    await file.close();
  }
}

/**
 * Reads tensors (all, or those named) tensor by tensor through a file handle: memory holds the
 * converted tensors plus one tensor's raw bytes, never the whole file.
 */
export async function readSafetensors(path: string, names?: Iterable<string>): Promise<SafetensorsFile> {
  const file = await open(path, 'r');
  try {
    const header = await readHeader(file, path);
    const wanted = names ? [...names] : [...header.entries.keys()];
    const tensors = new Map<string, NamedTensor>();
    for (const name of wanted) {
      const entry = header.entries.get(name);
      if (!entry) throw new Error(`${path}: no tensor named ${name}`);
      tensors.set(name, { name, shape: entry.shape, data: await readTensor(file, path, name, entry, header.dataStart) });
    }
    return { metadata: header.metadata, tensors };
  } finally {
    await file.close();
  }
}

async function readHeader(file: FileHandle, path: string): Promise<SafetensorsHeader> {
  const { size: fileSize } = await file.stat();
  if (fileSize < 8) throw new Error(`${path}: not a safetensors file (too short)`);
  const prefix = Buffer.alloc(8);
  await readExactly(file, prefix, 0);
  const headerLength = Number(prefix.readBigUInt64LE(0));
  if (8 + headerLength > fileSize) throw new Error(`${path}: header length ${headerLength} exceeds the file`);
  const headerBytes = Buffer.alloc(headerLength);
  await readExactly(file, headerBytes, 8);
  const json = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const entries = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    const entry = value as TensorEntry;
    const [start, end] = entry.data_offsets;
    const bytes = BYTES[entry.dtype as StoredDType];
    if (bytes !== undefined && (end - start !== size(entry.shape) * bytes || dataStart + end > fileSize)) {
      throw new Error(`${path}: ${name} data range [${start}, ${end}) does not fit shape [${entry.shape.join(', ')}] of ${entry.dtype}`);
    }
    entries.set(name, entry);
  }
  return { metadata: (json.__metadata__ as Record<string, string>) ?? {}, entries, dataStart };
}

async function readTensor(file: FileHandle, path: string, name: string, entry: TensorEntry, dataStart: number): Promise<Float32Array | Float64Array> {
  const dtype = entry.dtype as StoredDType;
  if (!(dtype in BYTES)) throw new Error(`${path}: ${name} has unsupported dtype ${entry.dtype} (F32, F16, BF16 and F64 are read)`);
  const count = size(entry.shape);
  const position = dataStart + entry.data_offsets[0];
  if (dtype === 'F32' || dtype === 'F64') {
    // Read straight into the result's own buffer: no intermediate copy.
    const out = dtype === 'F32' ? new Float32Array(count) : new Float64Array(count);
    await readExactly(file, new Uint8Array(out.buffer), position);
    return out;
  }
  const raw = new Uint16Array(count);
  await readExactly(file, new Uint8Array(raw.buffer), position);
  return dtype === 'BF16' ? bf16ToFloat(raw) : f16ToFloat(raw);
}

async function readExactly(file: FileHandle, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.length; ) {
    const length = Math.min(READ_CHUNK, target.length - done);
    const { bytesRead } = await file.read(target, done, length, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, Math.min(READ_CHUNK, bytes.length - done));
    done += bytesWritten;
  }
}

/** bfloat16 is the top half of a float32: shift each value into the high 16 bits. */
export function bf16ToFloat(raw: Uint16Array): Float32Array {
  const out = new Float32Array(raw.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < raw.length; i++) bits[i] = raw[i] << 16;
  return out;
}

/** float32 → bfloat16 bits, rounded to nearest even (NaN kept a quiet NaN). */
export function floatToBf16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const b = bits[i];
    out[i] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

let halfTable: Float32Array | undefined;

/** IEEE half → float32 through a 65,536-entry table built once. */
export function f16ToFloat(raw: Uint16Array): Float32Array {
  const table = (halfTable ??= buildHalfTable());
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = table[raw[i]];
  return out;
}

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    table[h] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return table;
}
