import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { loggerOptions } from '../logging.module';
import { redactLogLine } from './log-redaction';
import { PII_PLACEHOLDERS } from './pii';

const VISITOR_TEXT = 'zqvisitor: write to jane.doe@example.com, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00';

/** The server's logger (same options) writing into an array. */
function capture(): { logger: pino.Logger; output: () => string } {
  const lines: string[] = [];
  const logger = pino(loggerOptions('info') as pino.LoggerOptions, { write: (line: string) => void lines.push(line) });
  return { logger, output: () => lines.join('') };
}

describe('log redaction', () => {
  it('redacts personal data in every string of a line and leaves the rest as written', () => {
    const line = `${JSON.stringify({ level: 50, time: 1764180000000, pid: 4242, msg: 'mail jane@example.com', err: { stack: 'Error: card 4111111111111111\n    at x (/app/dist/src/a.js:94:33)' }, tags: ['+44 20 7946 0958'] })}\n`;
    expect(JSON.parse(redactLogLine(line))).toEqual({
      level: 50,
      time: 1764180000000,
      pid: 4242,
      msg: `mail ${PII_PLACEHOLDERS.email}`,
      err: { stack: `Error: card ${PII_PLACEHOLDERS.card}\n    at x (/app/dist/src/a.js:94:33)` },
      tags: [PII_PLACEHOLDERS.phone],
    });
    expect(redactLogLine(line).endsWith('}\n')).toBe(true);
    const clean = `${JSON.stringify({ level: 30, time: 1764180000000, msg: 'session 550e8400-e29b-41d4-a716-446655440000 answered in 1234 ms on 2025-11-26', req: { url: '/api/v1/admin/sessions?limit=50' } })}\n`;
    expect(redactLogLine(clean)).toBe(clean);
    expect(redactLogLine('not json: jane@example.com\n')).toBe(`not json: ${PII_PLACEHOLDERS.email}\n`);
    const referer = JSON.parse(redactLogLine(JSON.stringify({ req: { headers: { referer: 'https://shop.example/offer?email=jane.doe%2Bcrm%40example.com&plan=growth%20annual' } } })));
    expect(referer.req.headers.referer).toBe(`https://shop.example/offer?email=${PII_PLACEHOLDERS.email}&plan=growth annual`);
    const encodedClean = `${JSON.stringify({ msg: 'GET /admin/?q=growth%20plan&limit=50' })}\n`;
    expect(redactLogLine(encodedClean)).toBe(encodedClean);
  });

  it("the server's logger keeps a failed query's values and the failing row out, and redacts messages", () => {
    const { logger, output } = capture();
    const driverError = Object.assign(new Error('new row for relation "turns" violates check constraint "turns_text_check"'), {
      code: '23514',
      detail: `Failing row contains (5b0c, 0, visitor, ${VISITOR_TEXT}).`,
    });
    const err = new QueryFailedError('INSERT INTO "turns"("session_id", "index", "role", "text") VALUES ($1, $2, $3, $4)', ['5b0c', 0, 'visitor', VISITOR_TEXT], driverError);
    logger.error({ err, event: 'message:send' }, 'socket handler failed');
    logger.info(`visitor said ${VISITOR_TEXT}`);

    const [failed, said] = output().trim().split('\n').map((l) => JSON.parse(l));
    expect(failed).toMatchObject({ msg: 'socket handler failed', event: 'message:send', err: { type: 'QueryFailedError', parameters: '[redacted]', detail: '[redacted]', code: '23514' } });
    expect(failed.err.message).toContain('violates check constraint');
    expect(said.msg).toBe(`visitor said zqvisitor: write to ${PII_PLACEHOLDERS.email}, card ${PII_PLACEHOLDERS.card}, IBAN ${PII_PLACEHOLDERS.iban}`);
    expect(output().match(/zqvisitor/g)).toHaveLength(1);
    for (const raw of ['jane.doe@example.com', '4111 1111 1111 1111', 'DE89 3704']) expect(output()).not.toContain(raw);
  });
});
