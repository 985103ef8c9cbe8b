export { ChatModule } from './chat.module';
export { aiDisclosureFallback, SAFE_FALLBACK, safeFallback } from './safe-fallback';
export { TurnLoop } from './turn-loop';
