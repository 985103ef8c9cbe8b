import type { PairedDifference } from '../../evaluation';
import type { QuestionSetName } from '../../model/default-model/question-sets';
import type { FinishingTraining, FinishReport, HeldOutSet, QuestionSetScore, ShippedModel } from './report';
import { percent, points, signed } from './format';
import { SHIP_RULE } from './ship-rule';

/** The line the finishing step's section starts with: the SFT model's own card is everything above it. */
export const FINISHING_MARKER = '<!-- Everything below this line is written by the finishing step of `closer build-model`. -->';

const heading = (model: ShippedModel) => `## Shipped: the ${model.toUpperCase()} model`;

/** The SFT model's own card (build facts), without a finishing section an earlier run appended. */
export function sftCardOf(readme: string): string {
  const at = readme.indexOf(FINISHING_MARKER);
  return (at < 0 ? readme : readme.slice(0, at)).trimEnd();
}

/** Which model a card's finishing section says its folder holds; undefined for a card without one. */
export function shippedModelOf(readme: string): ShippedModel | undefined {
  const at = readme.indexOf(FINISHING_MARKER);
  if (at < 0) return undefined;
  const section = readme.slice(at);
  return (['sft', 'rl'] as const).find((model) => section.includes(`\n${heading(model)}\n`));
}

const withSection = (sftCard: string, section: string[]) => `${sftCard ? `${sftCard}\n\n` : ''}${FINISHING_MARKER}\n\n${section.join('\n')}\n`;

const trainingLine = (t: FinishingTraining, sft: string) =>
  `trained with DuCA from \`${sft}\`: ${t.estimator.toUpperCase()} advantages, ${t.visitor} visitor, session reward ${t.sessionReward === 'value' ? 'the deal value' : 'conversion'}, ` +
  `${t.steps} step${t.steps === 1 ? '' : 's'} × ${t.contexts} contexts × G = ${t.group} (${(t.steps * t.contexts * t.group).toLocaleString('en-US')} sessions), seed ${t.seed}` +
  (t.rehearsal ? `, replaying ${t.rehearsal.windowsPerStep} supervised windows per update (of ${t.rehearsal.windows.toLocaleString('en-US')}, weight ${t.rehearsal.coef}).` : '.');

/** The card of the RL candidate in the run folder: the SFT card and how the candidate was trained from it. */
export function candidateCard(sftCard: string, training: FinishingTraining, sft: string): string {
  return withSection(sftCard, [
    '## RL candidate of the finishing step',
    '',
    `This candidate was ${trainingLine(training, sft)} The build facts above are that SFT model's.`,
    'Whether it ships, and the comparisons that decide it: the shipped folder\'s card.',
  ]);
}

const withInterval = (d: PairedDifference, f: (x: number) => string) => `${f(d.difference)} [${f(d.ci95[0])}, ${f(d.ci95[1])}]`;

const SET_TITLES: Record<QuestionSetName, string> = { paraphrase: 'paraphrase set', intent: 'intent set' };
const HELD_OUT_TITLES: Record<HeldOutSet, string> = { library: 'library personas', unseen: 'unseen personas' };

function questionRows(set: QuestionSetName, scores: Record<ShippedModel, QuestionSetScore>): string[] {
  const { sft, rl } = scores;
  const row = (label: string, of: (s: QuestionSetScore) => number, rule: string) =>
    `| ${SET_TITLES[set]}, ${label} | ${percent(of(sft))} | ${percent(of(rl))} | ${points(of(rl) - of(sft))} | ${rule} |`;
  return [
    row(`greedy (${sft.questions} questions)`, (s) => s.greedy, 'RL > SFT'),
    row(`sampled at serving settings (${sft.samplesPerQuestion} per question)`, (s) => s.sampled, 'reported'),
  ];
}

function heldOutRows(set: HeldOutSet, r: FinishReport): string[] {
  const { plan, difference } = r.heldOut[set];
  const where = `${plan.visitor ?? 'strict'} visitor, ${HELD_OUT_TITLES[set]}, ${plan.sessions} sessions`;
  const decides = set === 'library';
  const { conversion, violations } = difference;
  return [
    `| held-out conversion (${where}) | ${percent(conversion.meanBaseline)} | ${percent(conversion.meanCandidate)} | ${withInterval(conversion, points)} | ${decides ? 'lower bound > 0' : 'reported'} |`,
    `| held-out violations / turn (${where}) | ${violations.meanBaseline.toFixed(4)} | ${violations.meanCandidate.toFixed(4)} | ${withInterval(violations, (x) => signed(x, 4))} | ${decides ? 'RL ≤ SFT' : 'reported'} |`,
  ];
}

/** The shipped folder's card: the SFT card, then which model this is, how the RL model was trained, the comparisons and the rule. */
export function shippedModelCard(sftCard: string, r: FinishReport): string {
  const verdict =
    r.ships === 'rl'
      ? 'This folder holds the **RL model**: the DuCA-trained policy beat the SFT model on every comparison the rule reads. The build facts above are of the SFT model it was trained from.'
      : 'This folder holds the **SFT model** described above: the DuCA-trained candidate did not beat it on every comparison the rule reads.';
  return withSection(sftCard, [
    heading(r.ships),
    '',
    `\`closer build-model\` ends with the product's own training step and ships its result only when it wins. ${verdict}`,
    '',
    `The RL model was ${trainingLine(r.training, r.sft)} Its folder: \`${r.rl}\` (run folder \`${r.root}\`).`,
    '',
    '| comparison | SFT | RL | RL − SFT [95 % interval] | the rule asks |',
    '| --- | ---: | ---: | ---: | --- |',
    ...questionRows('paraphrase', r.questionSets.paraphrase),
    ...questionRows('intent', r.questionSets.intent),
    ...heldOutRows('library', r),
    ...heldOutRows('unseen', r),
    '',
    `Intervals: paired bootstrap over the same sessions for both models. **Rule.** ${SHIP_RULE}`,
    ...(r.reasons.length ? ['', 'Why the SFT model ships:', '', ...r.reasons.map((reason) => `- ${reason}`)] : []),
    '',
    `Re-run only this step: \`npm run closer -- build-model --sft ${r.sft} --out ${r.out}\`.`,
  ]);
}
