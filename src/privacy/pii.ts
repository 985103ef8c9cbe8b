/** The personal data the redactor finds, each replaced by its placeholder. */
export type PiiKind = 'email' | 'iban' | 'card' | 'phone';

/**
 * One glued word each: the readers of visitor text match whole words ("email", "phone" and "card"
 * are catalog keywords and sales cues), and a placeholder must not read as the visitor asking
 * about email sync or a mobile app.
 */
export const PII_PLACEHOLDERS: Record<PiiKind, string> = { email: '[EMAILADDRESS]', iban: '[BANKACCOUNT]', card: '[CARDNUMBER]', phone: '[PHONENUMBER]' };

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  /** A candidate the pattern found is personal data only if this holds (a checksum, a digit count). */
  accept?: (candidate: string) => boolean;
}

// A number starts where no word, sign or number-ish punctuation precedes it, and ends where none
// follows that would make it part of a longer token (a date, a decimal, an id like "a716-4466…").
const START = String.raw`(?<![\w+\-./,@])`;
const END = String.raw`(?![\w@]|[\-./,]\d)`;

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** Luhn (mod 10), the check digit of every payment card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616: 15–34 characters, country letters, and mod 97 of the rearranged number equal to 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/[ -]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  let remainder = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const value = ch <= '9' ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Card numbers are 13–19 digits, Luhn-valid, issued under a network prefix (2–6: Mastercard, Amex, Visa, Discover, JCB, UnionPay…). */
const cardNumber = (candidate: string) => {
  const digits = digitsOf(candidate);
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
};

const DATE = /^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$/;

/** Phone numbers hold 8–15 digits (E.164 allows at most 15) and are not a date. */
const phoneDigits = (min: number) => (candidate: string) => {
  const n = digitsOf(candidate).length;
  return n >= min && n <= 15 && !DATE.test(candidate.trim());
};

/** Most specific first: an IBAN or card number holds digit runs a phone pattern would also take. */
const DETECTORS: Detector[] = [
  {
    kind: 'email',
    pattern: /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}](?:[\p{L}\p{N}._%+-]{0,62}[\p{L}\p{N}_%+-])?@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}-])/gu,
  },
  // Printed in groups of four (DE89 3704 0044 0532 0130 00) or as one run; any case.
  { kind: 'iban', pattern: /(?<![\w-])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?(?![\w-])/gi, accept: ibanValid },
  // One run, groups of four (Visa, Mastercard, up to 19 digits), or Amex / Diners 4-6-5 and 4-6-4.
  { kind: 'card', pattern: new RegExp(String.raw`${START}[2-6]\d{12,18}${END}`, 'g'), accept: cardNumber },
  { kind: 'card', pattern: new RegExp(String.raw`${START}[2-6]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?${END}`, 'g'), accept: cardNumber },
  { kind: 'card', pattern: new RegExp(String.raw`${START}3\d{3}([ -])\d{6}\1\d{4,5}${END}`, 'g'), accept: cardNumber },
  // International: +44 20 7946 0958, +1 (415) 555-0123, +49 (0)30 1234567, or 0044 20 7946 0958 (then spaced).
  { kind: 'phone', pattern: new RegExp(String.raw`${START}\+\d{1,3}(?:[ .\-/]?(?:\(\d{1,5}\)|\d{1,5})){1,6}${END}`, 'g'), accept: phoneDigits(8) },
  { kind: 'phone', pattern: new RegExp(String.raw`${START}00[1-9]\d{0,2}(?:[ .\-/](?:\(\d{1,5}\)|\d{1,5})){2,6}${END}`, 'g'), accept: phoneDigits(10) },
  // North America: (415) 555-0123, 415-555-0123, 415.555.0123, 1-800-555-0199; separated, so a bare 10-digit id is left alone.
  { kind: 'phone', pattern: new RegExp(String.raw`${START}(?:1[ .-])?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}${END}`, 'g') },
  // Trunk prefix 0 (UK, Germany, Austria, Switzerland, Netherlands…): 020 7946 0958, 07700 900123, (030) 12345678, 0151/23456789.
  { kind: 'phone', pattern: new RegExp(String.raw`${START}(?:\(0[1-9]\d{1,3}\) ?|0[1-9]\d{1,3}[ /.-])\d{2,8}(?:[ .-]\d{2,8}){0,2}${END}`, 'g'), accept: phoneDigits(10) },
  // France and Belgium in pairs: 01 23 45 67 89, 06.12.34.56.78.
  { kind: 'phone', pattern: new RegExp(String.raw`${START}0[1-9]([ .-])\d{2}(?:\1\d{2}){3}${END}`, 'g') },
  // A bare run of digits is a phone number only where the visitor says so ("call me on 4155550123").
  {
    kind: 'phone',
    pattern: new RegExp(String.raw`(?<=\b(?:phone|telephone|tel|mobile|cell|call|text|sms|whatsapp|fax)\b[^\d\n]{0,12})\+?\d(?:[ .-]?\d){6,14}${END}`, 'gi'),
    accept: phoneDigits(7),
  },
];

export interface PiiMatch {
  kind: PiiKind;
  /** What was found, as written. */
  text: string;
}

/** Every piece of personal data in `text`, in the order the detectors find them. */
export function findPii(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  redactWith(text, (kind, match) => found.push({ kind, text: match }));
  return found;
}

/**
 * `text` with e-mail addresses, IBANs, payment card numbers and phone numbers replaced by their
 * PII_PLACEHOLDERS. Checksums (Luhn, IBAN mod 97) and digit counts keep
 * order numbers, prices, seat counts, dates, versions and postcodes as they are. Idempotent.
 */
export function redactPii(text: string): string {
  return redactWith(text, () => undefined);
}

function redactWith(text: string, onMatch: (kind: PiiKind, match: string) => void): string {
  let out = text;
  for (const { kind, pattern, accept } of DETECTORS) {
    out = out.replace(pattern, (match: string) => {
      if (accept && !accept(match)) return match;
      onMatch(kind, match);
      return PII_PLACEHOLDERS[kind];
    });
  }
  return out;
}
