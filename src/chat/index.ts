export { ChatModule } from './chat.module';
export { SAFE_FALLBACK, TurnLoop } from './turn-loop';
