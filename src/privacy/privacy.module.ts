import { Module } from '@nestjs/common';
import { AdminModule } from '../admin';
import { RetentionJob } from './retention.job';
import { RetentionRepository } from './retention.repository';

/** Retention (RETENTION_DAYS). Redaction is plain code, used where text is stored, read for training and logged. */
@Module({
  imports: [AdminModule],
  providers: [RetentionRepository, RetentionJob],
})
export class PrivacyModule {}
