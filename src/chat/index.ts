export { ChatModule } from './chat.module';
export { aiDisclosureFallback, CLOSING_FALLBACK, SAFE_FALLBACK, safeFallback } from './safe-fallback';
export { NON_ANSWER } from './sentence-gate';
export { EventLimiter } from './event-limiter';
export { TurnLoop } from './turn-loop';
