import { gradients } from '../autodiff';
import { AnyTypedArray, DType, FloatDType, isFloat } from '../dtype';
import { Graph, Value } from '../graph';
import { exportOnnx } from '../onnx-export';
import { Rng } from '../rng';
import { createSession, tensor } from '../runtime';
import { size } from '../shape';
import { mul, sumAll } from '../tensor-ops';

export interface GradientCheckResult {
  /** Largest |analytic − numeric| / max(1, |numeric|) over every checked element. */
  maxError: number;
  analytic: Record<string, number[]>;
  numeric: Record<string, number[]>;
}

export interface GradientCheckCase {
  /** Declares inputs on the graph and returns the op's output (any shape). */
  build(g: Graph): Value;
  /** Values for inputs; float inputs not listed get standard-normal values. */
  data?: Record<string, AnyTypedArray>;
  dtype?: FloatDType;
  seed?: number;
  eps?: number;
}

/**
 * Compares autodiff gradients with central finite differences. The scalar loss is
 * sum(output · R) for a fixed random R, so every output element's gradient path is exercised
 * with a different weight (a transposed or mis-broadcast gradient cannot pass).
 */
export async function checkGradients(c: GradientCheckCase): Promise<GradientCheckResult> {
  const dtype = c.dtype ?? 'float64';
  const rng = new Rng(c.seed ?? 7);
  const g = new Graph(dtype);
  const out = c.build(g);
  const weights = g.constant(randomArray(dtype, size(out.shape), rng), out.shape, dtype);
  const loss = sumAll(mul(out, weights));
  const wrt = g.inputs.filter((v) => isFloat(v.dtype));
  const grads = gradients(g, loss, wrt);

  const feeds: Record<string, AnyTypedArray> = {};
  for (const v of g.inputs) feeds[v.name] = c.data?.[v.name] ?? randomArray(v.dtype, size(v.shape), rng);
  const outputs: Record<string, Value> = { loss };
  for (const v of wrt) outputs[`grad_${v.name}`] = grads.get(v)!;
  const session = await createSession(exportOnnx(g, { outputs }));
  const run = async (values: Record<string, AnyTypedArray>) => {
    const ortFeeds = Object.fromEntries(g.inputs.map((v) => [v.name, tensor(v.dtype, values[v.name], v.shape)]));
    return session.run(ortFeeds);
  };

  const result = await run(feeds);
  const eps = c.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  let maxError = 0;
  const analytic: Record<string, number[]> = {};
  const numeric: Record<string, number[]> = {};
  for (const v of wrt) {
    const a = Array.from(result[`grad_${v.name}`].data as Float64Array);
    const n: number[] = [];
    const base = feeds[v.name] as Float64Array | Float32Array;
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += eps;
      minus[i] -= eps;
      const lp = (await run({ ...feeds, [v.name]: plus })).loss.data[0] as number;
      const lm = (await run({ ...feeds, [v.name]: minus })).loss.data[0] as number;
      n.push((lp - lm) / (2 * eps));
    }
    analytic[v.name] = a;
    numeric[v.name] = n;
    for (let i = 0; i < n.length; i++) maxError = Math.max(maxError, Math.abs(a[i] - n[i]) / Math.max(1, Math.abs(n[i])));
  }
  await session.release();
  return { maxError, analytic, numeric };
}

function randomArray(dtype: DType, n: number, rng: Rng): AnyTypedArray {
  if (dtype === 'float64') return Float64Array.from({ length: n }, () => rng.normal());
  if (dtype === 'float32') return Float32Array.from({ length: n }, () => rng.normal());
  throw new Error(`checkGradients: give data for non-float input (${dtype})`);
}
