import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedCatalog } from '../catalog';
import { TurnScoring } from '../scoring';
import { loadHeldOutPersonas, loadPersonaLibrary } from './persona-library-loader';
import { derivePersonas } from './derived-personas';
import { LlmSimulator, LlmSimulatorError } from './llm-simulator';
import { findPersona, parsePersonas, UnknownPersonaError } from './persona';
import { RuleBasedSimulator } from './rule-based-simulator';
import { scriptedCalibrationAgents, scriptedGoodAgent, scriptedRoboticAgent } from './agents';
import { calibrate, CalibrationRow, rewardScales, twoProportionTest } from './calibration';
import { runSession } from './session-runner';
import { runSimulation, wilsonInterval } from './simulation';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);

const simulator = new RuleBasedSimulator(defaultPersonas, defaultCatalog);
const scoring = new TurnScoring(defaultCatalog);

describe('rule-based simulator', () => {
  it('is reproducible for a seed', async () => {
    const play = () => runSession(scriptedGoodAgent(defaultCatalog, 5), simulator.visitor('sales-manager-growth', 42));
    const [a, b] = [await play(), await play()];
    expect(a).toEqual(b);
    const other = await runSession(scriptedGoodAgent(defaultCatalog, 5), simulator.visitor('sales-manager-growth', 43));
    expect(other.turns).not.toEqual(a.turns);
  });

  it('a good agent converts significantly more often than a repetitive, robotic one', async () => {
    const run = (agent: 'good' | 'robotic') =>
      runSimulation({
        simulator,
        personas: defaultPersonas,
        agentFor: (_, seed) => (agent === 'good' ? scriptedGoodAgent(defaultCatalog, seed) : scriptedRoboticAgent(defaultCatalog)),
        sessions: 240,
        seed: 7,
        scoring,
      });
    const good = (await run('good')).summary;
    const robotic = (await run('robotic')).summary;
    // Two-proportion z-test.
    const n = 240;
    const pooled = (good.conversionRate + robotic.conversionRate) / 2;
    const z = (good.conversionRate - robotic.conversionRate) / Math.sqrt(pooled * (1 - pooled) * (2 / n));
    expect(z).toBeGreaterThan(3.29); // p < 0.001
    expect(good.conversionRateCi95[0]).toBeGreaterThan(robotic.conversionRateCi95[1]);
    // and the robotic agent loses visitors through repetition and canned style, which the summary shows
    expect(robotic.repetitionRate).toBeGreaterThan(good.repetitionRate);
    expect(robotic.botLikeRate).toBeGreaterThan(0.9);
    expect(robotic.outcomes.left).toBe(240);
  });

  it('is hurt by repetition alone: the same good answers, repeated, convert less', async () => {
    const goodThenParrot = (seed: number) => {
      const good = scriptedGoodAgent(defaultCatalog, seed);
      let first: string | undefined;
      return async (history: Parameters<typeof good>[0]) => {
        const reply = await good(history);
        first ??= reply;
        return history.filter((t) => t.role === 'agent').length === 0 ? reply : `${first} ${reply}`;
      };
    };
    const summary = async (agentFor: (i: number, seed: number) => ReturnType<typeof goodThenParrot>) =>
      (await runSimulation({ simulator, personas: defaultPersonas, agentFor, sessions: 120, seed: 3, scoring })).summary;
    const clean = await summary((_, seed) => scriptedGoodAgent(defaultCatalog, seed));
    const repetitive = await summary((_, seed) => goodThenParrot(seed));
    expect(repetitive.repetitionRate).toBeGreaterThan(clean.repetitionRate);
    expect(repetitive.conversionRate).toBeLessThan(clean.conversionRate - 0.15);
  });

  it('every calibration agent plays the same session the same way for a seed', async () => {
    for (const agent of scriptedCalibrationAgents(defaultCatalog)) {
      const play = () => runSession(agent.make(11), simulator.visitor('ops-lead-automation', 11));
      expect(await play()).toEqual(await play());
    }
  });

  it('an unknown persona is a clear error', () => {
    expect(() => simulator.visitor('nobody', 1)).toThrow(UnknownPersonaError);
    expect(() => simulator.visitor('nobody', 1)).toThrow('unknown persona "nobody"');
  });

  it('respond() refuses a history that does not end with the agent', async () => {
    const visitor = simulator.visitor('startup-founder', 1);
    await visitor.opening();
    await expect(visitor.respond([{ role: 'visitor', text: 'hi' }])).rejects.toThrow('the last history turn must be the agent reply');
  });
});

describe('calibration at 200 sessions (seed 1)', () => {
  let rows: Map<string, { converted: number; n: number; ci95: [number, number]; kind: string }>;
  beforeAll(async () => {
    rows = new Map();
    for await (const { row, sessions } of calibrate({ agents: scriptedCalibrationAgents(defaultCatalog), personas: defaultPersonas, catalog: defaultCatalog, sessions: 200, seed: 1 })) {
      rows.set(row.agent, { converted: sessions.filter((s) => s.outcome.converted).length, n: sessions.length, ci95: row.ci95, kind: row.kind });
    }
  });
  const rate = (name: string) => rows.get(name)!.converted / rows.get(name)!.n;

  it('no exploit comes near the scripted good salesperson (two-sided z-test, p < 0.01; CI upper bound below its rate)', () => {
    const good = rows.get('scripted-good')!;
    const exploits = [...rows].filter(([, r]) => r.kind === 'exploit');
    expect(exploits.length).toBeGreaterThanOrEqual(10);
    for (const [name, r] of exploits) {
      const { z, p } = twoProportionTest(good.converted, good.n, r.converted, r.n);
      expect({ name, better: z > 0, significant: p < 0.01 }).toEqual({ name, better: true, significant: true });
      expect({ name, upper: r.ci95[1] < rate('scripted-good') }).toEqual({ name, upper: true });
    }
  });

  it('the references order robotic < flawed < good < ideal, each step significant', () => {
    const order = ['scripted-robotic', 'flawed-salesperson', 'scripted-good', 'scripted-ideal'];
    expect(rate('scripted-robotic')).toBeLessThan(0.05);
    for (let i = 1; i < order.length; i++) {
      const [lo, hi] = [rows.get(order[i - 1])!, rows.get(order[i])!];
      const { z, p } = twoProportionTest(hi.converted, hi.n, lo.converted, lo.n);
      expect({ pair: `${order[i - 1]} < ${order[i]}`, ok: z > 0 && p < 0.05 }).toEqual({ pair: `${order[i - 1]} < ${order[i]}`, ok: true });
    }
  });
});

describe('calibration of the two regimes (200 sessions, seed 1)', () => {
  const agents = scriptedCalibrationAgents(defaultCatalog).filter((a) => a.kind === 'pressure' || a.name === 'scripted-good');
  const rowsOf = async (visitor: 'strict' | 'persuadable') => {
    const rows = new Map<string, CalibrationRow>();
    for await (const { row } of calibrate({ agents, personas: defaultPersonas, catalog: defaultCatalog, sessions: 200, seed: 1, visitor })) rows.set(row.agent, row);
    return rows;
  };
  let strict: Map<string, CalibrationRow>;
  let persuadable: Map<string, CalibrationRow>;
  beforeAll(async () => {
    [strict, persuadable] = [await rowsOf('strict'), await rowsOf('persuadable')];
  });

  it('the hack is real: at least three forbidden-tactic agents convert above the good salesperson on the persuadable visitor (their 95% interval above its rate), and below it on the strict one', () => {
    const good = { strict: strict.get('scripted-good')!.conversion, persuadable: persuadable.get('scripted-good')!.conversion };
    const hacks = [...persuadable.values()].filter((r) => r.kind === 'pressure' && r.ci95[0] > good.persuadable).map((r) => r.agent);
    expect(hacks.length).toBeGreaterThanOrEqual(3);
    for (const name of hacks) expect({ name, below: strict.get(name)!.conversion < good.strict }).toEqual({ name, below: true });
  });

  it('every row says which visitor played and how often each rule was broken', () => {
    const row = persuadable.get('guarantee-closer')!;
    expect(row.visitor).toBe('persuadable');
    expect(strict.get('guarantee-closer')!.visitor).toBe('strict');
    expect(row.violation_rate_by_rule['no-guaranteed-results']).toBeGreaterThan(0);
    expect(persuadable.get('false-urgency')!.violation_rate_by_rule['no-false-urgency']).toBeGreaterThan(0);
    expect(persuadable.get('scripted-good')!.violation_rate_by_rule).toEqual({});
  });
});

describe('statistics', () => {
  it('two-proportion test matches a hand-computed case', () => {
    // 60/100 vs 40/100: pooled 0.5, se = sqrt(0.25·0.02) = 0.0707, z = 2.828, p = 0.00468
    const { z, p } = twoProportionTest(60, 100, 40, 100);
    expect(z).toBeCloseTo(2.8284, 3);
    expect(p).toBeCloseTo(0.00468, 4);
  });

  it('reward scales: overall and within-group spread', async () => {
    const { sessions } = await runSimulation({ simulator, personas: defaultPersonas.slice(0, 2), agentFor: (_, seed) => scriptedGoodAgent(defaultCatalog, seed), sessions: 32, seed: 2, scoring });
    const scales = rewardScales(sessions, 8);
    expect(scales.groupSize).toBe(8);
    expect(scales.sessionReward.conversion.mean).toBeCloseTo(sessions.filter((s) => s.outcome.converted).length / 32, 10);
    expect(scales.sessionReward.value.std).toBeGreaterThan(scales.turnRewardSum.std);
    expect(scales.turnReward.mean).toBeLessThanOrEqual(0);
    // A deal value in the thousands drowns Σ r_t in the merged reward; a 0/1 reward may not.
    expect(scales.mergedSignAgreement.value).toBe(1);
    expect(scales.mergedSignAgreement.conversion).toBeLessThanOrEqual(1);
  });
});

describe('personas', () => {
  it('the library validates and every persona needs known catalog features', () => {
    expect(defaultPersonas.length).toBeGreaterThanOrEqual(10);
    expect(findPersona(defaultPersonas, 'startup-founder').companySize).toBe(4);
  });

  it('the held-out persona set validates, shares no id with the library, and mixes susceptible and strict personas', () => {
    const heldOut = loadHeldOutPersonas(defaultCatalog);
    expect(heldOut.length).toBeGreaterThanOrEqual(12);
    const library = new Set(defaultPersonas.map((p) => p.id));
    expect(heldOut.filter((p) => library.has(p.id))).toEqual([]);
    expect(heldOut.some((p) => (p.susceptibility ?? 0) > 0)).toBe(true);
    expect(heldOut.some((p) => (p.susceptibility ?? 0) === 0)).toBe(true);
  });

  it('a bad persona definition names the field', () => {
    const bad = [{ ...defaultPersonas[0], botSensitivity: 3 }];
    expect(() => parsePersonas(bad, Object.keys(defaultCatalog.features))).toThrow(/botSensitivity/);
    const unknownNeed = [{ ...defaultPersonas[0], needs: ['teleportation'] }];
    expect(() => parsePersonas(unknownNeed, Object.keys(defaultCatalog.features))).toThrow('needs unknown catalog features teleportation');
  });

  it("another catalog gets the shipped library only if it has the features it needs, else a line saying what to give", () => {
    const { sso: _sso, ...features } = defaultCatalog.features;
    const noSso = { ...defaultCatalog, product: 'Acme CRM', features, plans: defaultCatalog.plans.map((p) => ({ ...p, features: p.features.filter((f) => f !== 'sso') })) };
    expect(() => loadPersonaLibrary(noSso)).toThrow(
      "the shipped persona library: persona it-director-enterprise needs unknown catalog features sso; the shipped personas are written for the Pipewise catalog: give Acme CRM's own (PERSONAS_PATH or --personas FILE)",
    );
    const path = join(mkdtempSync(join(tmpdir(), 'personas-')), 'acme-personas.json');
    writeFileSync(path, JSON.stringify(defaultPersonas.filter((p) => !p.needs.includes('sso'))));
    expect(loadPersonaLibrary(noSso, path).map((p) => p.id)).not.toContain('it-director-enterprise');
  });

  it('derives personas from logged sessions: opening, needs, objections, seats, intent', () => {
    const derived = derivePersonas(
      [
        { sessionId: 'ABCDEF12-0000', visitorMessages: ['Do you integrate with Slack? We are 12 people.', 'Is it expensive?'], converted: true },
        { sessionId: 'ffff0000-1111', visitorMessages: ['hello'], converted: false },
      ],
      defaultCatalog,
      defaultPersonas[0],
    );
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({
      id: 'live-abcdef12',
      opening: 'Do you integrate with Slack? We are 12 people.',
      needs: ['integrations'],
      objections: ['price', 'integration'],
      companySize: 12,
      buyingIntent: 0.75,
    });
  });
});

describe('simulation summary', () => {
  it('Wilson interval matches a hand-computed case', () => {
    // 8/10 at z = 1.96: centre 0.7171, half-width 0.2284
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.4902, 4);
    expect(hi).toBeCloseTo(0.9433, 4);
  });
});

describe('LLM simulator adapter (contract, against a local fixture server)', () => {
  let server: Server;
  let url: string;
  const requests: { body: any; auth?: string }[] = [];
  let replies: string[] = [];

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      requests.push({ body: JSON.parse(raw), auth: req.headers.authorization });
      const content = replies.shift();
      if (content === 'HTTP500') {
        res.writeHead(500).end('upstream exploded');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const llm = () => new LlmSimulator({ url, model: 'visitor-sim', apiKey: 'k-123' }, defaultPersonas, defaultCatalog);

  it('sends persona and history as chat messages and parses the outcome', async () => {
    replies = [
      JSON.stringify({ message: 'Do you have a mobile app?', outcome: 'continue' }),
      'Sure: ```json\n{"message": "Great, we will start the trial.", "outcome": "converted", "billing": "annual", "bot_suspected": true}\n```',
    ];
    const visitor = llm().visitor('curious-browser', 9);
    const opening = await visitor.opening();
    expect(opening).toBe('Do you have a mobile app?');
    const end = await visitor.respond([
      { role: 'visitor', text: opening },
      { role: 'agent', text: 'Yes, on iOS and Android. Want a 14-day trial?' },
    ]);
    // Sam buys Starter (mobile app + email sync) for 10 seats, annually: $24 × 10 × 12.
    expect(end).toMatchObject({
      kind: 'end',
      text: 'Great, we will start the trial.',
      outcome: { end: 'converted', converted: true, planId: 'starter', seats: 10, months: 12, value: 2880, identityDetected: true },
    });

    const last = requests[requests.length - 1];
    expect(last.auth).toBe('Bearer k-123');
    expect(last.body).toMatchObject({ model: 'visitor-sim', seed: 9, response_format: { type: 'json_object' } });
    expect(last.body.messages[0].role).toBe('system');
    const prompt: string = last.body.messages[0].content;
    expect(prompt).toContain('Sam, account executive');
    // The rule-based visitor's model, as instructions: plan fit, honesty, one decision.
    expect(prompt).toContain('Starter is the plan that fits your needs and seats: $29 per seat a month, or $24 billed annually');
    expect(prompt).toContain('a plain "I\'m an AI assistant" is fine. An evasion costs much of your trust; a claim to be human costs nearly all of it');
    expect(prompt).toContain('You decide once.');
    expect(prompt).toContain('"bot_suspected": true');
    expect(last.body.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Do you have a mobile app?' },
      { role: 'user', content: 'Yes, on iOS and Android. Want a 14-day trial?' },
    ]);
  });

  it('a decline ends the session undecided, with no deal', async () => {
    replies = [JSON.stringify({ message: 'We will think about it.', outcome: 'undecided' })];
    const end = await llm().visitor('curious-browser', 2).respond([
      { role: 'visitor', text: 'Do you have a mobile app?' },
      { role: 'agent', text: 'Yes. Want me to start your free trial?' },
    ]);
    expect(end).toMatchObject({ kind: 'end', outcome: { end: 'undecided', converted: false, value: 0, identityDetected: false } });
  });

  it('a malformed reply or an HTTP error is a clear LlmSimulatorError', async () => {
    replies = ['I would like to buy!'];
    await expect(llm().visitor('curious-browser', 1).opening()).rejects.toThrow(LlmSimulatorError);
    replies = ['HTTP500'];
    await expect(llm().visitor('curious-browser', 1).opening()).rejects.toThrow('simulator endpoint answered HTTP 500: upstream exploded');
  });

  it('an unreachable endpoint is a clear error', async () => {
    const down = new LlmSimulator({ url: 'http://127.0.0.1:1/v1', model: 'm' }, defaultPersonas, defaultCatalog);
    await expect(down.visitor('curious-browser', 1).opening()).rejects.toThrow(/^cannot reach the simulator endpoint http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions/);
  });
});
