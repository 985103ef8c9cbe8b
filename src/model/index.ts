/** The policy model: Llama/Mistral/Qwen2/Qwen3-family decoder on the engine, checkpoints, tokenizer, generation. */
export { bytesToUnicode, tokenizerJson, trainBpe } from './bpe-trainer';
export { CausalLm } from './causal-lm';
export { CHATML_TEMPLATE, chatTokenizerConfig, SPECIAL_TOKENS } from './chat-format';
export { Checkpoint, expectedParameters, loadCheckpoint, readModelConfig, saveCheckpoint, SaveOptions } from './checkpoint';
export { checkContext, ModelConfig, parseModelConfig, UnsupportedConfigError } from './config';
export { GenerationConfig, readGenerationConfig } from './generation-config';
export { inspectModel, ModelReport } from './inspect';
export { LORA_TARGETS, LoraConfig, loraConfig, LoraTarget, mergeLora } from './lora/lora';
export { ADAPTER_CONFIG, ADAPTER_WEIGHTS, adapterShapes, isAdapterOnly, loadPeftAdapter, PeftAdapter, savePeftAdapter, tokenizerDir } from './lora/peft';
export { ConversationCaches } from './conversation-caches';
export { FinishReason, GenerationEvent, GenerationResult, GenerationStream } from './generation-stream';
export { GenerateOptions, GenerationRequest, Generator, GeneratorOptions, QueueFullError } from './generator';
export { SequenceKv, SlotKvCache } from './kv-cache';
export { buildCausalLmGraph, CausalLmGraph, declareDecoderParams } from './llama';
export { defaultSampling, sampleToken, SamplingOptions } from './sampling';
export { ChatMessage, ChatTokenizer } from './tokenizer';
export { ChatModel, ContextOverflowError } from './chat-model';
export { policyAgent } from './policy-agent';
