import { round } from './stats';

/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's self time goes, by what it belongs to (first match wins). */
const categories: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['native, unattributed', (fn) => fn === '(program)'],
  ['onnxruntime (forward passes, session compiles)', (_, url) => url.includes('onnxruntime')],
  ['postgres client (pg)', (_, url) => /node_modules\/pg(-[a-z]+)?\//.test(url)],
  ['typeorm', (_, url) => url.includes('node_modules/typeorm/')],
  ['socket.io / engine.io / ws', (_, url) => /node_modules\/(socket\.io|engine\.io|ws)[^/]*\//.test(url)],
  ['nest / rxjs', (_, url) => /node_modules\/(@nestjs|rxjs)\//.test(url)],
  ['logging (pino)', (_, url) => url.includes('node_modules/pino')],
  ['model JS (sampling, caches, tokenizer)', (_, url) => /\/src\/(model|engine)\//.test(url) || url.includes('@huggingface/tokenizers')],
  ['scoring and guardrail', (_, url) => /\/src\/(scoring|rules|compliance)\//.test(url) || /\/src\/chat\/sentence-/.test(url)],
  ['app (chat, sessions, handoff, metrics)', (_, url) => url.includes('/src/') || url.includes('prom-client')],
  ['other dependencies', (_, url) => url.includes('node_modules/')],
  ['node internals', () => true],
];

/** Native code and Node's internals are charged to the nearest caller outside them (an ORT run to onnxruntime-node, a socket write to pg or ws). */
const internal = (url: string) => url === '' || url.startsWith('node:');

/**
 * Self time of a main-thread CPU profile by category and by function (the top `top`), each as a
 * share of the profile's wall time. Native work called from JS (an ORT run, a socket write) is
 * charged to its caller's category; "native, unattributed" is what V8 could not place.
 */
export function summariseProfile(profile: CpuProfile, top = 12) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id] as const)));
  const describe = (id: number | undefined) => {
    if (id === undefined) return '(root)';
    const { functionName, url, lineNumber } = byId.get(id)!;
    return url ? `${functionName || '(anonymous)'} ${url.replace(/^.*?\/(node_modules|src|dist)\//, '$1/')}:${lineNumber + 1}` : functionName || '(native)';
  };
  const callerOutside = (id: number) => {
    let at = parent.get(id);
    while (at !== undefined && internal(byId.get(at)!.url)) at = parent.get(at);
    return at;
  };
  const categoryOf = (id: number): string => {
    const { functionName, url } = byId.get(id)!;
    const special = categories.slice(0, 3).find(([, match]) => match(functionName, url));
    if (special) return special[0];
    const at = internal(url) ? callerOutside(id) : id;
    if (at === undefined) return 'node internals';
    const frame = byId.get(at)!;
    return categories.find(([, match]) => match(frame.functionName, frame.url))![0];
  };
  const self = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap that follows it.
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const wall = [...self.values()].reduce((s, x) => s + x, 0);
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName: fn, url } = byId.get(id)!;
    const category = categoryOf(id);
    byCategory.set(category, (byCategory.get(category) ?? 0) + micros);
    const where = url || fn.startsWith('(') ? describe(id) : `${fn || '(native)'} ← ${describe(callerOutside(id))}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + micros);
  }
  const share = (micros: number) => Math.round((micros / wall) * 1000) / 1000;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    seconds: round(wall / 1e6),
    by_category: Object.fromEntries(sorted(byCategory).map(([c, m]) => [c, share(m)])),
    top_functions: sorted(byFunction)
      .slice(0, top)
      .map(([f, m]) => ({ function: f, share: share(m) })),
  };
}
