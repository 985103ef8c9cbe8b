// Plain code only: the simulator and the sessions import it. The Nest module (the retention job,
// which needs the admin module's erasure) is imported from ./privacy.module by the app module.
export { findPii, ibanValid, luhnValid, PII_PLACEHOLDERS, PiiKind, PiiMatch, redactPii } from './pii';
export { VisitorTextPolicy } from './visitor-text';
