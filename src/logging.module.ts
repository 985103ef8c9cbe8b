import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { requestErrorObject, requestLogLevel } from './http/request-log';

/** Structured JSON logs (pino). Credentials and signatures in headers never reach a log line. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        pinoHttp: {
          level: config.get('logLevel', { infer: true }),
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              'req.headers["x-closer-signature"]',
              'res.headers["set-cookie"]',
            ],
            censor: '[redacted]',
          },
          customLogLevel: requestLogLevel,
          customErrorObject: requestErrorObject,
          autoLogging: { ignore: (req) => (req.url?.startsWith('/health') || req.url?.startsWith('/metrics')) ?? false },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
