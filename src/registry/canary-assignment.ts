import { createHash } from 'node:crypto';

/**
 * Whether a session is served by the canary: a stable hash of (canary, session) below the share.
 * Every replica, before and after a restart, assigns a session the same way without storing
 * anything; salting with the canary's id gives each canary its own sample of sessions.
 */
export function servedByCanary(sessionId: string, canaryId: string, share: number): boolean {
  const digest = createHash('sha256').update(`${canaryId}:${sessionId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < share;
}
