import { containsAny, words } from './text';
import { ScoreResult, TurnInput, TurnScorer } from './types';

/** Canned phrases visitors recognise as a script. */
export const STOCK_PHRASES = [
  "i'd be happy to help",
  'i would be happy to help',
  'happy to assist',
  'thank you for reaching out',
  'thank you for your interest',
  'thanks for reaching out',
  'great question',
  'i hope this helps',
  'is there anything else i can help you with',
  'please do not hesitate',
  "please don't hesitate",
  'as an ai language model',
  'i understand your concern',
  'your satisfaction is our priority',
  'we value your business',
  'feel free to ask',
  'let me know if you have any other questions',
  'i apologize for any inconvenience',
];

const FORMAL_MARKERS = ['dear ', 'kindly', 'we appreciate your', 'please be advised', 'at your earliest convenience', 'rest assured', 'valued customer', 'esteemed'];
const TEMPLATE_OPENER = /^\s*(?:certainly|absolutely|of course|great question|sure thing|thank you for (?:reaching out|your (?:question|inquiry|interest|message)))\b/i;

export interface BotLikenessFeatures {
  stockPhrases: number;
  templateOpener: number;
  /** Bulleted or numbered lines beyond two. */
  extraListItems: number;
  /** Words beyond 90, per 60 words. */
  overLength: number;
  formalMarkers: number;
  /** Exclamation marks beyond one. */
  extraExclamations: number;
}

/** Maps features to the probability a visitor perceives the reply as canned. */
export interface BotLikenessModel {
  readonly version: string;
  predict(features: BotLikenessFeatures): number;
}

/**
 * A transparent logistic model: each feature's weight is visible and documented here. A plain,
 * specific reply scores about 0.10; one stock phrase about 0.31; two about 0.65.
 */
export class TransparentBotLikenessModel implements BotLikenessModel {
  readonly version = 'transparent-1';
  static readonly bias = -2.2;
  static readonly weights: BotLikenessFeatures = {
    stockPhrases: 1.4,
    templateOpener: 1.2,
    extraListItems: 0.5,
    overLength: 0.8,
    formalMarkers: 1.0,
    extraExclamations: 0.4,
  };

  predict(f: BotLikenessFeatures): number {
    const w = TransparentBotLikenessModel.weights;
    const z =
      TransparentBotLikenessModel.bias +
      (Object.keys(w) as (keyof BotLikenessFeatures)[]).reduce((sum, k) => sum + w[k] * f[k], 0);
    return 1 / (1 + Math.exp(-z));
  }
}

export function botLikenessFeatures(text: string): BotLikenessFeatures {
  const listItems = text.split('\n').filter((line) => /^\s*(?:[-*•]|\d+[.)])\s+/.test(line)).length;
  return {
    stockPhrases: containsAny(text, STOCK_PHRASES).length,
    templateOpener: TEMPLATE_OPENER.test(text) ? 1 : 0,
    extraListItems: Math.max(0, listItems - 2),
    overLength: Math.max(0, words(text).length - 90) / 60,
    formalMarkers: containsAny(text, FORMAL_MARKERS).length,
    extraExclamations: Math.max(0, (text.match(/!/g)?.length ?? 0) - 1),
  };
}

/** Bot-likeness (the paper's identity-detection signal), a probability in [0, 1] (higher is worse). */
export class BotLikenessScorer implements TurnScorer {
  readonly name = 'bot_likeness';

  constructor(private readonly model: BotLikenessModel = new TransparentBotLikenessModel()) {}

  get version(): string {
    return this.model.version;
  }

  score({ text }: TurnInput): ScoreResult {
    const features = botLikenessFeatures(text);
    return {
      scorer: this.name,
      version: this.version,
      score: this.model.predict(features),
      evidence: { features, stockPhrases: containsAny(text, STOCK_PHRASES) },
    };
  }
}
