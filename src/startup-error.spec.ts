import { ConfigError } from './config/app-config';
import { describeStartupError } from './startup-error';

const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code} happened`), { code, ...extra });

describe('describeStartupError', () => {
  const http = { host: '0.0.0.0', port: 3000 };

  it('passes configuration problems through', () => {
    expect(describeStartupError(new ConfigError(['PORT: bad']), {})).toBe('invalid configuration: PORT: bad');
  });

  it('names the port that is in use', () => {
    const err = errno('EADDRINUSE', { syscall: 'listen', port: 3000 });
    expect(describeStartupError(err, { http })).toBe(
      'port 3000 on 0.0.0.0 is already in use: stop the other process or set PORT',
    );
  });

  it('says the database is unreachable and hides the password', () => {
    const line = describeStartupError(errno('ECONNREFUSED'), { databaseUrl: 'postgres://app:hunter2@db:5432/x' });
    expect(line).toBe('cannot reach the database at postgres://app:***@db:5432/x (ECONNREFUSED): is it running? check DATABASE_URL');
  });

  it('reports authentication and missing-database refusals with the server message', () => {
    const err = errno('28P01');
    err.message = 'password authentication failed for user "app"';
    expect(describeStartupError(err, { databaseUrl: 'postgres://app:pw@db/x' })).toBe(
      'the database at postgres://app:***@db/x refused the connection: password authentication failed for user "app"',
    );
  });

  it('falls back to the message for anything else', () => {
    expect(describeStartupError(new Error('disk full'), {})).toBe('start-up failed: disk full');
  });
});
