import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { AppConfig } from './config/app-config';
import { requestErrorObject, requestLogLevel } from './http/request-log';
import { LOG_REDACT_PATHS, redactLogLine } from './privacy/log-redaction';

/**
 * The logger's settings. Credentials and signatures in headers, and the values of a failed query,
 * never reach a log line; personal data (e-mail, phone, card, IBAN) anywhere in a line is
 * redacted as it is written (docs/privacy.md).
 */
export function loggerOptions(level: AppConfig['logLevel']): Options {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'req.headers["x-closer-signature"]',
        'res.headers["set-cookie"]',
        ...LOG_REDACT_PATHS,
      ],
      censor: '[redacted]',
    },
    hooks: { streamWrite: redactLogLine },
    customLogLevel: requestLogLevel,
    customErrorObject: requestErrorObject,
    autoLogging: { ignore: (req) => (req.url?.startsWith('/health') || req.url?.startsWith('/metrics')) ?? false },
  };
}

/** Structured JSON logs (pino). */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({ pinoHttp: loggerOptions(config.get('logLevel', { infer: true })) }),
    }),
  ],
})
export class LoggingModule {}
