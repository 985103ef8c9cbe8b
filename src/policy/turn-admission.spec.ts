import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { PolicyBusyError } from './reply-policy';
import { TurnAdmission } from './turn-admission';

const admission = (maxBatch: number, maxQueue: number) => new TurnAdmission({ get: () => ({ maxBatch, maxQueue }) } as unknown as ConfigService<AppConfig, true>);

describe('TurnAdmission', () => {
  it('admits POLICY_MAX_BATCH + POLICY_MAX_QUEUE turns at once and refuses the next with busy', () => {
    const a = admission(2, 1);
    const leaves = [a.enter(), a.enter(), a.enter()];
    expect(a.turns).toBe(3);
    expect(() => a.enter()).toThrow(PolicyBusyError);
    expect(() => a.enter()).toThrow('the agent is busy (1 replies waiting)');
    expect(a.turns).toBe(3);
    leaves[0]();
    expect(a.turns).toBe(2);
    expect(() => a.enter()).not.toThrow();
  });

  it('a turn that ends twice frees one place only', () => {
    const a = admission(1, 1);
    const leave = a.enter();
    a.enter();
    leave();
    leave();
    expect(a.turns).toBe(1);
    a.enter();
    expect(() => a.enter()).toThrow(PolicyBusyError);
  });
});
