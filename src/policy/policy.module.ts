import { Global, Module } from '@nestjs/common';
import { MODEL_STATUS } from '../health';
import { RegistryModule } from '../registry';
import { ModelPolicyService } from './model-policy.service';
import { REPLY_POLICY } from './reply-policy';
import { TurnAdmission } from './turn-admission';

/** The serving policy, also reported to /health/ready as the model status, and the admission of turns to it. */
@Global()
@Module({
  imports: [RegistryModule],
  providers: [
    ModelPolicyService,
    TurnAdmission,
    { provide: REPLY_POLICY, useExisting: ModelPolicyService },
    { provide: MODEL_STATUS, useExisting: ModelPolicyService },
  ],
  exports: [REPLY_POLICY, MODEL_STATUS, TurnAdmission],
})
export class PolicyModule {}
