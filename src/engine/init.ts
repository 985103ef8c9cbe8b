import { Initializer } from './graph';
import { size } from './shape';

/** Parameter initializers; each draws from the seeded source it is handed. */
export const init = {
  zeros: (): Initializer => (shape) => new Array<number>(size(shape)).fill(0),
  ones: (): Initializer => (shape) => new Array<number>(size(shape)).fill(1),
  normal: (std: number): Initializer => (shape, random) => Array.from({ length: size(shape) }, () => random.normal() * std),
  /** Uniform in [-limit, limit]. */
  uniform: (limit: number): Initializer => (shape, random) => Array.from({ length: size(shape) }, () => (random.next() * 2 - 1) * limit),
  /** Glorot/Xavier uniform for a [fanIn, fanOut] weight. */
  xavier: (): Initializer => (shape, random) => {
    const limit = Math.sqrt(6 / (shape[0] + shape[shape.length - 1]));
    return Array.from({ length: size(shape) }, () => (random.next() * 2 - 1) * limit);
  },
};
