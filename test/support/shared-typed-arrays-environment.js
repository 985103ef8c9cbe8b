// Jest runs each test file in its own VM realm, so a Float32Array made by a native addon
// (onnxruntime-node) fails `instanceof Float32Array` inside the test. Sharing the host realm's
// typed-array constructors keeps tensors created on either side interchangeable.
const { TestEnvironment } = require('jest-environment-node');

const shared = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of shared) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
