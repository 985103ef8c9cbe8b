import { gradients } from './autodiff';
import { GraphBuildError } from './errors';
import { Graph } from './graph';
import { OpType } from './ops';
import * as T from './tensor-ops';

const buildError = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GraphBuildError);
    return (e as Error).message;
  }
  throw new Error('expected a GraphBuildError');
};

describe('graph build errors name the op and the shapes', () => {
  const g = new Graph();
  const a = g.input('a', [2, 3]);
  const b = g.input('b', [4, 5]);

  it('a MatMul with mismatched inner dimensions', () => {
    expect(buildError(() => T.matmul(a, b))).toBe('MatMul: inner dimensions differ: [2, 3] x [4, 5]');
  });

  it('an Add that does not broadcast', () => {
    expect(buildError(() => T.add(a, b))).toBe('Add: shapes [2, 3] and [4, 5] do not broadcast');
  });

  it('a Reshape to a different element count', () => {
    expect(buildError(() => T.reshape(a, [4, 2]))).toBe('Reshape: cannot reshape [2, 3] to [4, 2]');
  });

  it('an axis out of range', () => {
    expect(buildError(() => T.softmax(a, 2))).toBe('Softmax: axis 2 is out of range for rank 2');
  });

  it('an unknown op', () => {
    expect(buildError(() => g.emit('Conv' as OpType, [a]))).toBe('unknown op Conv');
  });

  it('a non-scalar loss', () => {
    expect(buildError(() => gradients(g, T.mul(a, 2), [a]))).toBe('gradients: loss must be a scalar, got shape [2, 3]');
  });

  it('a gradient through a non-differentiable op', () => {
    const x = g.input('x', [3]);
    const loss = T.sumAll(T.cast(T.cast(T.greater(x, 0), 'int64'), 'float32'));
    expect(gradients(g, loss, [x]).get(x)?.shape).toEqual([3]);
    const viaScatter = T.sumAll(T.scatterElementsAdd(x, g.input('i', [3], 'int64'), x, 0));
    expect(buildError(() => gradients(g, viaScatter, [x]))).toMatch(/^gradients: ScatterElements \(\[3\], \[3\], \[3\]\) is not differentiable$/);
  });

  it('duplicate tensor names and mixed graphs', () => {
    expect(buildError(() => g.input('a', [1]))).toBe('duplicate tensor name a');
    const other = new Graph().input('z', [2, 3]);
    expect(buildError(() => T.add(a, other))).toBe('Add: input z belongs to another graph');
  });
});
