import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
const KEY_MARKER = 'ck_';
/** Characters kept in clear for listings: the marker and 8 random characters (48 bits, not enough to guess the rest). */
const PREFIX_LENGTH = KEY_MARKER.length + 8;

/**
 * A new API key: 32 random bytes (256 bits). It is shown once; only its hash and prefix are stored.
 * SHA-256 suffices because the key is random, not chosen by a person: slow password hashes
 * (bcrypt, argon2) defend low-entropy secrets against guessing, and nobody can enumerate 2^256
 * keys, fast hash or not. A deterministic hash also lets the key be looked up by its hash through
 * the unique index, with no per-key salt to try.
 */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = KEY_MARKER + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, PREFIX_LENGTH) };
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Cheap shape check before a database lookup: anything else cannot be a key. */
export const looksLikeApiKey = (value: string): boolean => /^ck_[A-Za-z0-9_-]{43}$/.test(value);
