export { BODY_LIMIT, bodyError, bodyParsers } from './body-parsers';
export { codeForStatus, ErrorBody, errorBodyOf, httpError } from './error-body';
export { HttpErrorFilter } from './error.filter';
export { requestErrorObject, requestLogLevel } from './request-log';
export { describeIssues, validated } from './validation';
