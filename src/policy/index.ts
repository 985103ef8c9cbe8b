export { BatchingQueue } from './batching-queue';
export { ModelPolicyService } from './model-policy.service';
export { PolicyModule } from './policy.module';
export { PolicyBusyError, REPLY_POLICY, ReplyEvent, ReplyPolicy } from './reply-policy';
