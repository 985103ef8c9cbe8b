export { ModelPolicyService } from './model-policy.service';
export { PolicyModule } from './policy.module';
export { LocalReplyPolicy } from './local-reply-policy';
export { PolicyBusyError, PolicyLoad, REPLY_POLICY, ReplyEvent, ReplyOptions, ReplyPolicy } from './reply-policy';
export { TurnAdmission } from './turn-admission';
