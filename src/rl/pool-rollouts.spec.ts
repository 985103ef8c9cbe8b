import { shippedCatalog } from '../catalog';
import { RolloutPool, RolloutSession } from '../model/rollout';
import { ComplianceRule, defaultComplianceRules, defaultRewardConfig } from '../scoring';
import { PoolRolloutSettings, PoolRolloutSource } from './pool-rollouts';

const reply = 'Every new customer gets a pizza party.';
const session: RolloutSession = {
  personaId: 'p',
  seed: 1,
  turns: [
    { role: 'visitor', text: 'Anything for new customers?' },
    { role: 'agent', text: reply },
  ],
  outcome: { end: 'left', converted: false, value: 0, reason: 'test' },
  ended: 'visitor',
  tokens: [1, 2, 3],
  agentTurns: [{ start: 1, end: 3, logprobs: [-1, -1], rawLogprobs: [-1, -1], text: reply, finishReason: 'eos' }],
};
const pool = { play: async () => [session], setWeights: async () => undefined } as unknown as RolloutPool;
const settings = (complianceRules?: ComplianceRule[]): PoolRolloutSettings => ({
  sampling: 'serving',
  rewards: { ...defaultRewardConfig, rewardScale: 1 },
  ...(complianceRules ? { complianceRules } : {}),
});
const play = (s: PoolRolloutSettings) => new PoolRolloutSource(pool, s, shippedCatalog()).play([{ personaId: 'p', visitorSeed: 1, agentSeed: 1 }]);

describe('PoolRolloutSource', () => {
  it('scores turns with the compliance rules it is given (a nightly run passes the rules in force), the shipped ones otherwise', async () => {
    const pizza: ComplianceRule = { id: 'no-pizza-party', kind: 'phrase', severity: 'block', description: 'No parties.', patterns: ['pizza party'] };
    const [shipped] = await play(settings());
    const [inForce] = await play(settings([...defaultComplianceRules, pizza]));
    expect(shipped.violations).toBe(0);
    expect(inForce.violations).toBe(1);
    expect(inForce.episode.turnRewards[0]).toBeLessThan(shipped.episode.turnRewards[0]);
  });

  it('refuses rules that do not parse (a remote worker receives them as JSON)', () => {
    expect(() => new PoolRolloutSource(pool, settings([{ id: 'bad', kind: 'phrase', severity: 'block', description: 'x', patterns: ['(open'] }]), shippedCatalog())).toThrow(
      /not a valid regular expression/,
    );
  });
});
