// Jest runs each test file in its own VM realm with its own module registry. Two things from
// onnxruntime-node must not be per-realm:
// - typed arrays: tensors made by the native addon must pass `instanceof Float32Array` in tests,
//   so the host realm's typed-array constructors are shared;
// - the addon's JS wrapper: loading it twice in one worker process registers its native
//   clean-up hook twice and aborts the process, so it is loaded once here, in the host realm,
//   and handed to tests through test/support/onnxruntime-shared.js (see jest.config.js).
const { TestEnvironment } = require('jest-environment-node');

const shared = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedNativeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of shared) this.global[name] = globalThis[name];
    // Lazily, so test files that never touch the engine do not load the native addon.
    Object.defineProperty(this.global, '__onnxruntimeNode', { get: () => require('onnxruntime-node') });
  }
}

module.exports = SharedNativeEnvironment;
