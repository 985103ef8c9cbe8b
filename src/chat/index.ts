export { ChatModule } from './chat.module';
export { aiDisclosureFallback, CLOSING_FALLBACK, SAFE_FALLBACK, safeFallback } from './safe-fallback';
export { EventLimiter } from './event-limiter';
export { TurnLoop } from './turn-loop';
