export { ModelPolicyService } from './model-policy.service';
export { PolicyModule } from './policy.module';
export { PolicyBusyError, PolicyLoad, REPLY_POLICY, ReplyEvent, ReplyOptions, ReplyPolicy } from './reply-policy';
export { TurnAdmission } from './turn-admission';
