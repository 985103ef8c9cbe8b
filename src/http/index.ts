export { BODY_LIMIT, bodyError, bodyParsers } from './body-parsers';
export { clientAddress } from './client-address';
export { OriginPolicy, securityHeaders, socketServerOptions, widgetAssetHeaders } from './cross-origin';
export { codeForStatus, ErrorBody, errorBodyOf, httpError } from './error-body';
export { HttpErrorFilter } from './error.filter';
export { answerParserErrors } from './parser-errors';
export { RateLimitGuard, RateLimitModule } from './rate-limit';
export { requestErrorObject, requestLogLevel } from './request-log';
export { describeIssues, validated } from './validation';
