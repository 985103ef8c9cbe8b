import { InitialSchema1764050000000 } from './1764050000000-initial-schema';
import { Personas1764060000000 } from './1764060000000-personas';
import { Sites1764070000000 } from './1764070000000-sites';
import { RasaSessionLookup1764080000000 } from './1764080000000-rasa-session-lookup';
import { SiteCatalogs1764090000000 } from './1764090000000-site-catalogs';
import { NightlyPipeline1764100000000 } from './1764100000000-nightly-pipeline';
import { TimeToFirstDelta1764110000000 } from './1764110000000-time-to-first-delta';
import { AdminRolesAuditLog1764130000000 } from './1764130000000-admin-roles-audit-log';
import { ComplianceRules1764140000000 } from './1764140000000-compliance-rules';
import { VisitorIdentifier1764150000000 } from './1764150000000-visitor-identifier';
import { LiveHandoff1764160000000 } from './1764160000000-live-handoff';
import { SiteAllowedOrigins1764170000000 } from './1764170000000-site-allowed-origins';
import { SessionRetention1764180000000 } from './1764180000000-session-retention';
import { FalseUrgencyRule1764190000000 } from './1764190000000-false-urgency-rule';
import { Canary1764200000000 } from './1764200000000-canary';
import { FidelityReports1764210000000 } from './1764210000000-fidelity-reports';
import { HandoffRulesRevision1764220000000 } from './1764220000000-handoff-rules-revision';
import { StoreAgentTurn1764230000000 } from './1764230000000-store-agent-turn';

/** Every migration in order. Listed explicitly so the same list works compiled and under Jest. */
export const migrations = [
  InitialSchema1764050000000,
  Personas1764060000000,
  Sites1764070000000,
  RasaSessionLookup1764080000000,
  SiteCatalogs1764090000000,
  NightlyPipeline1764100000000,
  TimeToFirstDelta1764110000000,
  AdminRolesAuditLog1764130000000,
  ComplianceRules1764140000000,
  VisitorIdentifier1764150000000,
  LiveHandoff1764160000000,
  SiteAllowedOrigins1764170000000,
  SessionRetention1764180000000,
  FalseUrgencyRule1764190000000,
  Canary1764200000000,
  FidelityReports1764210000000,
  HandoffRulesRevision1764220000000,
  StoreAgentTurn1764230000000,
];
