/**
 * Policy weights as one binary blob for Redis: a little-endian u32 header length, a JSON header
 * of [name, length] pairs in order, then every tensor's float32 values back to back.
 */
export function encodeWeights(params: Map<string, Float32Array>): Buffer {
  const entries = [...params].map(([name, v]) => [name, v.length] as const);
  const header = Buffer.from(JSON.stringify(entries), 'utf8');
  const total = entries.reduce((a, [, n]) => a + n, 0);
  const out = Buffer.alloc(4 + header.length + 4 * total);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let at = 4 + header.length;
  for (const v of params.values()) {
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, at);
    at += v.byteLength;
  }
  return out;
}

export function decodeWeights(blob: Buffer): Map<string, Float32Array> {
  const headerLength = blob.readUInt32LE(0);
  const entries = JSON.parse(blob.subarray(4, 4 + headerLength).toString('utf8')) as [string, number][];
  const params = new Map<string, Float32Array>();
  let at = 4 + headerLength;
  for (const [name, n] of entries) {
    // Copy out: the blob's offset need not be 4-byte aligned for a Float32Array view.
    params.set(name, new Float32Array(blob.buffer.slice(blob.byteOffset + at, blob.byteOffset + at + 4 * n)));
    at += 4 * n;
  }
  if (at !== blob.length) throw new Error(`weights blob: ${blob.length - at} trailing bytes`);
  return params;
}
