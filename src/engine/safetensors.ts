import { readFile, writeFile } from 'node:fs/promises';
import { Shape, size } from './shape';

/** One tensor as read from or written to a .safetensors file. */
export interface NamedTensor {
  name: string;
  shape: Shape;
  data: Float32Array | Float64Array;
}

const decoders: Record<string, { bytes: number; read(view: DataView, offset: number): number }> = {
  F32: { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  F64: { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  F16: { bytes: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  // bfloat16 is the top half of a float32.
  BF16: { bytes: 2, read: (v, o) => bf16ToFloat(v.getUint16(o, true)) },
};

/**
 * Writes the safetensors layout (8-byte little-endian header length, JSON header, raw
 * little-endian data), the format Hugging Face checkpoints use. Float64 data is stored as F64.
 */
export async function writeSafetensors(path: string, tensors: NamedTensor[], metadata: Record<string, string> = {}): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.data.length !== size(t.shape)) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  await writeFile(path, out);
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** F32/F16/BF16 tensors as Float32Array, F64 as Float64Array. */
  tensors: Map<string, NamedTensor>;
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const buf = await readFile(path);
  if (buf.length < 8) throw new Error(`${path}: not a safetensors file (too short)`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (8 + headerLength > buf.length) throw new Error(`${path}: header length ${headerLength} exceeds the file`);
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, any>;
  const base = 8 + headerLength;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const decoder = decoders[entry.dtype];
    if (!decoder) throw new Error(`${path}: ${name} has unsupported dtype ${entry.dtype}`);
    const [start, end] = entry.data_offsets as [number, number];
    const count = size(entry.shape);
    if (end - start !== count * decoder.bytes || base + end > buf.length) {
      throw new Error(`${path}: ${name} data range [${start}, ${end}) does not fit shape [${entry.shape.join(', ')}] of ${entry.dtype}`);
    }
    const data = entry.dtype === 'F64' ? new Float64Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = decoder.read(view, base + start + i * decoder.bytes);
    tensors.set(name, { name, shape: entry.shape, data });
  }
  return { metadata: (header.__metadata__ as Record<string, string>) ?? {}, tensors };
}

function bf16ToFloat(bits: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, bits << 16);
  return v.getFloat32(0);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
