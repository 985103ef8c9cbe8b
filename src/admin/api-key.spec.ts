import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key-secret';
import { adminRoles, isAdminRole, roleAllows } from './roles';

describe('API key secrets', () => {
  it('a new key is 256 random bits behind a recognisable marker; only its SHA-256 and a short prefix are kept', () => {
    const { key, hash, prefix } = generateApiKey();
    expect(key).toMatch(/^ck_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toBe(hash);
    expect(prefix).toBe(key.slice(0, 11));
    expect(hash).not.toContain(key.slice(3, 11));
  });

  it('keys never repeat and their hashes differ', () => {
    const keys = Array.from({ length: 50 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(50);
    expect(new Set(keys.map((k) => k.hash)).size).toBe(50);
  });

  it('anything not shaped like a key is refused before any lookup', () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true);
    for (const bad of ['', 'ck_', 'admin', `ck_${'a'.repeat(42)}`, `ck_${'a'.repeat(44)}`, `xx_${'a'.repeat(43)}`, `ck_${'a'.repeat(42)}!`]) expect(looksLikeApiKey(bad)).toBe(false);
  });
});

describe('role ordering', () => {
  it('viewer < operator < admin: a role may do what every weaker role may', () => {
    expect(adminRoles).toEqual(['viewer', 'operator', 'admin']);
    const allowed = adminRoles.flatMap((held) => adminRoles.filter((required) => roleAllows(held, required)).map((required) => `${held}>=${required}`));
    expect(allowed).toEqual(['viewer>=viewer', 'operator>=viewer', 'operator>=operator', 'admin>=viewer', 'admin>=operator', 'admin>=admin']);
  });

  it('only the three roles are roles', () => {
    expect(adminRoles.every(isAdminRole)).toBe(true);
    for (const bad of ['Admin', 'root', '', undefined, 2]) expect(isAdminRole(bad)).toBe(false);
  });
});
