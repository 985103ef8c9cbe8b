import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bf16ToFloat, f16ToFloat, floatToBf16, readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors';

/** A file in the safetensors layout with the given header and raw data bytes. */
async function rawFile(path: string, header: Record<string, unknown>, data: Uint8Array): Promise<void> {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([prefix, json, data]));
}

describe('safetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes BF16 and F16 bit patterns exactly (normals, subnormals, signed zero, infinities)', async () => {
    const bf16 = Uint16Array.of(0x3f80, 0xc000, 0x0001, 0x8000, 0x7f80, 0x4049);
    const f16 = Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x8000, 0x7c00, 0x3555, 0x7bff);
    const path = join(dir, 'halves.safetensors');
    await rawFile(
      path,
      { b: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] }, h: { dtype: 'F16', shape: [7], data_offsets: [12, 26] } },
      new Uint8Array(Buffer.concat([Buffer.from(bf16.buffer), Buffer.from(f16.buffer)])),
    );
    const { tensors } = await readSafetensors(path);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, -2, 2 ** -133, -0, Infinity, 3.140625]);
    expect(tensors.get('b')!.shape).toEqual([2, 3]);
    expect(Array.from(tensors.get('h')!.data)).toEqual([1, -2, 2 ** -24, -0, Infinity, 0.333251953125, 65504]);
    expect(Object.is(tensors.get('b')!.data[3], -0)).toBe(true);
  });

  it('BF16 encoding rounds to nearest even and round-trips through a written file', async () => {
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    const values = Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8, -1.5, 1e-3, 65504, NaN);
    const bits = floatToBf16(values);
    expect(Array.from(bf16ToFloat(bits).subarray(0, 3))).toEqual([1, 1 + 2 ** -6, -1.5]);
    expect(Number.isNaN(bf16ToFloat(bits)[5])).toBe(true);
    const path = join(dir, 'bf16.safetensors');
    await writeSafetensors(path, [{ name: 'w', shape: [6], data: values }], { a: 'b' }, { dtype: 'BF16' });
    const file = await readSafetensors(path);
    expect(file.metadata).toEqual({ a: 'b' });
    expect(Array.from(file.tensors.get('w')!.data)).toEqual(Array.from(bf16ToFloat(bits)));
    expect((await readSafetensorsHeader(path)).entries.get('w')!.dtype).toBe('BF16');
  });

  it('f16 table matches IEEE half for every bit pattern that is finite', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const got = f16ToFloat(all);
    for (let h = 0; h < 65536; h += 97) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 31) continue;
      const mag = exp === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** (exp - 15);
      expect(got[h]).toBe(h & 0x8000 ? -mag : mag);
    }
  });

  it('reads only the named tensors, and names what is missing', async () => {
    const path = join(dir, 'two.safetensors');
    await writeSafetensors(path, [
      { name: 'a', shape: [2], data: Float32Array.of(1, 2) },
      { name: 'b', shape: [1], data: Float64Array.of(0.1) },
    ]);
    const { tensors } = await readSafetensors(path, ['b']);
    expect([...tensors.keys()]).toEqual(['b']);
    expect(tensors.get('b')!.data).toBeInstanceOf(Float64Array);
    await expect(readSafetensors(path, ['c'])).rejects.toThrow(`${path}: no tensor named c`);
  });

  it('a tensor past 2 GiB in a (sparse) file is read without reading the rest', async () => {
    const gap = 2 ** 31 + 8;
    const path = join(dir, 'large.safetensors');
    const header = Buffer.from(
      JSON.stringify({
        filler: { dtype: 'U8', shape: [gap], data_offsets: [0, gap] },
        tail: { dtype: 'BF16', shape: [4], data_offsets: [gap, gap + 8] },
      }),
    );
    const file = await open(path, 'w');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    await file.write(Buffer.concat([prefix, header]), 0, 8 + header.length, 0);
    const dataStart = 8 + header.length;
    await file.truncate(dataStart + gap + 8);
    await file.write(Buffer.from(Uint16Array.of(0x3f80, 0x4000, 0x4040, 0xbf80).buffer), 0, 8, dataStart + gap);
    await file.close();
    expect(statSync(path).size).toBeGreaterThan(2 ** 31);
    const { tensors } = await readSafetensors(path, ['tail']);
    expect(Array.from(tensors.get('tail')!.data)).toEqual([1, 2, 3, -1]);
    await expect(readSafetensors(path, ['filler'])).rejects.toThrow('filler has unsupported dtype U8');
  });

  it('a header whose range does not fit the shape is refused', async () => {
    const path = join(dir, 'bad.safetensors');
    await rawFile(path, { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
    await expect(readSafetensors(path)).rejects.toThrow('w data range [0, 8) does not fit shape [3] of F32');
  });
});
