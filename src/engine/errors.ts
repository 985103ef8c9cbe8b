/** A graph that cannot be built: raised at build time, naming the op and the shapes involved. */
export class GraphBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphBuildError';
  }
}
