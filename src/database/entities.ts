import { ApiKey } from '../admin/entities/api-key.entity';
import { AuditEntry } from '../admin/entities/audit-entry.entity';
import { TrainingRun } from '../jobs/entities/training-run.entity';
import { ModelVersion } from '../registry/entities/model-version.entity';
import { ChatSession } from '../sessions/entities/chat-session.entity';
import { PersonaRecord } from '../simulator/entities/persona-record.entity';
import { Conversion } from '../sessions/entities/conversion.entity';
import { TurnScore } from '../sessions/entities/turn-score.entity';
import { Turn } from '../sessions/entities/turn.entity';

/** Every TypeORM entity; the tables themselves are defined by the migrations. */
export const entities = [ChatSession, Turn, TurnScore, Conversion, ModelVersion, TrainingRun, ApiKey, AuditEntry, PersonaRecord];
