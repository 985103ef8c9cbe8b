import { HttpException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { bodyError, clientAddress, errorBodyOf, requestErrorObject, requestLogLevel, validated } from '.';

describe('bodyError', () => {
  it('turns body-parser client errors into { code, message } HTTP errors', () => {
    const aborted = bodyError(Object.assign(new Error('request aborted'), { status: 400, type: 'request.aborted' }));
    expect(aborted).toBeInstanceOf(HttpException);
    expect((aborted as HttpException).getStatus()).toBe(400);
    expect(errorBodyOf(aborted as HttpException)).toEqual({ code: 'request_aborted', message: 'request aborted' });
    const tooLarge = bodyError(Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' })) as HttpException;
    expect(errorBodyOf(tooLarge)).toEqual({ code: 'payload_too_large', message: 'request entity too large' });
  });

  it('leaves server-side failures alone (answered 500 and logged)', () => {
    const failure = new Error('disk full');
    expect(bodyError(failure)).toBe(failure);
  });
});

describe('request log lines', () => {
  const req = {} as IncomingMessage;
  const res = (statusCode: number) => ({ statusCode }) as ServerResponse;

  it('client errors are warnings without a stack; server failures are errors with it', () => {
    expect(requestLogLevel(req, res(200))).toBe('info');
    expect(requestLogLevel(req, res(413))).toBe('warn');
    expect(requestLogLevel(req, res(200), new Error('aborted'))).toBe('warn');
    expect(requestLogLevel(req, res(500))).toBe('error');
    const err = new Error('request entity too large');
    expect(requestErrorObject(req, res(413), err, { err, responseTime: 3 })).toEqual({ err: { type: 'Error', message: 'request entity too large' }, responseTime: 3 });
    expect(requestErrorObject(req, res(500), err, { err })).toEqual({ err });
  });
});

describe('validated', () => {
  const schema = z.object({ limit: z.number().max(100, 'limit must be at most 100'), nested: z.object({ name: z.string('name must be text') }) });

  it('returns the parsed input, or a 400 naming every bad field in one message', () => {
    expect(validated(schema, { limit: 5, nested: { name: 'a' } })).toEqual({ limit: 5, nested: { name: 'a' } });
    let err: unknown;
    try {
      validated(schema, { limit: 500, nested: {} }, 'invalid_payload');
    } catch (e) {
      err = e;
    }
    expect((err as HttpException).getStatus()).toBe(400);
    expect(errorBodyOf(err as HttpException)).toEqual({ code: 'invalid_payload', message: 'limit: limit must be at most 100; nested.name: name must be text' });
    expect(() => validated(schema, 'x')).toThrow(HttpException);
    expect(() => validated(schema.strict(), { limit: 1, nested: { name: 'a' }, colour: 'red' })).toThrow('colour: not a known field');
  });
});

describe('clientAddress', () => {
  it('is the peer, or the X-Forwarded-For entry as many hops back as proxies are trusted', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' };
    expect(clientAddress('10.0.0.1', headers, 0)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', headers, 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.1', headers, 2)).toBe('203.0.113.7');
    // Fewer entries than trusted hops: the furthest one, as Express does.
    expect(clientAddress('10.0.0.1', { 'x-forwarded-for': '1.1.1.1' }, 3)).toBe('1.1.1.1');
    expect(clientAddress('10.0.0.1', {}, 1)).toBe('10.0.0.1');
  });
});
