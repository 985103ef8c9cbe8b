// The host realm's onnxruntime-node, loaded once per Jest worker by shared-native-environment.js.
module.exports = globalThis.__onnxruntimeNode;
