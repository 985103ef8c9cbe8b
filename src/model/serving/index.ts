export { ServedResult, ServingRequest, Warmup } from './protocol';
export { ServedEvent, ServedModel, ServedModelOptions, ServedStream } from './served-model';
