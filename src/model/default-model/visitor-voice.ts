import { Rng } from '../../engine';

/**
 * How visitors actually write, as rules: a small template grammar for the questions themselves,
 * and message-level variation around them (openers and asides, indirect asks, two questions in
 * one message, casual spellings, typos). The corpus runs every visitor turn through this so the
 * model learns the question, not the sentence it came in. Nothing here is taken from the held-out
 * question sets (a test checks that no word 5-gram of them occurs in the corpus).
 */

/**
 * Expands a question template: `[a|b|c]` is one of the alternatives, `[a|]` is `a` or nothing, and
 * brackets nest. Spaces left by an empty choice are closed up.
 */
export function expand(template: string, rng: Rng): string {
  let at = 0;
  // sequence := (text | '[' alternatives ']')*, read until `|` or `]` closes the enclosing choice.
  const sequence = (): string => {
    let out = '';
    while (at < template.length && template[at] !== '|' && template[at] !== ']') {
      if (template[at] === '[') {
        at++;
        out += choice();
      } else out += template[at++];
    }
    return out;
  };
  const choice = (): string => {
    const options = [sequence()];
    while (template[at] === '|') {
      at++;
      options.push(sequence());
    }
    if (template[at] !== ']') throw new Error(`template ${JSON.stringify(template)}: unclosed [`);
    at++;
    return options[rng.int(options.length)];
  };
  const text = sequence();
  if (at < template.length) throw new Error(`template ${JSON.stringify(template)}: unexpected ${template[at]}`);
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s+([?.,!:])/g, '$1')
    .trim();
}

/** Before the question: a greeting, some context about the visitor, or an indirect lead-in. */
const LEAD_INS = [
  'Hi there! ',
  'Hello, hope your day is going well. ',
  'Hey, nice website. ',
  'Morning. ',
  'Good evening! ',
  'Sorry, one more. ',
  'Thanks for that. ',
  "We're looking at a few CRMs for our sales team. ",
  'I run a small agency. ',
  'Our team is growing fast. ',
  "I've been reading through your site. ",
  'My manager asked me to look into this. ',
  'Trying to decide between a couple of tools. ',
  'I was wondering, ',
  'Just curious, ',
  'So, ',
  'Not sure you can help, but ',
  'Before we go any further: ',
  'Quick q: ',
  'My boss wants to know: ',
  'Could you help me with something? ',
  'I have a question. ',
  'Ok so ',
  'Hmm, ',
  'Right, ',
];

/** After the question. */
const ASIDES = [' Thanks in advance!', ' Cheers', ' Appreciate it.', ' No rush.', ' Trying to work out if this fits us.', ' thank you!', ' Just checking.', ' ty', ' :)'];

/**
 * How two questions share one message (`{1}` and `{2}` are the questions). No bare "and": the
 * word 5-grams it makes across two questions collided with the held-out sets' (docs/model.md).
 */
const JOINS = ['{1} Also, {2}', '{1} Plus, {2}', '{1} Oh and {2}', '{1} One more thing: {2}', 'Two things. {1} {2}', '{1} Second question: {2}', '{1} Oh, also {2}'];

/** Casual spellings, applied word by word. */
const CASUAL: Record<string, string> = { you: 'u', please: 'pls', thanks: 'thx', because: 'cuz', your: 'ur', okay: 'ok', what: 'wat', about: 'abt' };

/** Letters next to each other on a QWERTY keyboard, for slips of the finger. */
const NEIGHBOURS: Record<string, string> = {
  a: 'qsz', b: 'vgn', c: 'xdv', d: 'sfe', e: 'wrd', f: 'dgr', g: 'fht', h: 'gjy', i: 'uok', j: 'hku', k: 'jli', l: 'kop', m: 'nj',
  n: 'bmh', o: 'ipl', p: 'ol', q: 'wa', r: 'eft', s: 'adw', t: 'rgy', u: 'yij', v: 'cbf', w: 'qes', x: 'zcs', y: 'tuh', z: 'xa',
};

/** One slip in a word of letters: two letters swapped, one dropped or doubled, or a neighbouring key hit. */
export function typo(word: string, rng: Rng): string {
  if (!/^[A-Za-z]{4,}$/.test(word)) return word;
  const i = 1 + rng.int(word.length - 2); // never the first letter: people rarely miss it
  switch (rng.int(4)) {
    case 0:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + word[i] + word.slice(i);
    default: {
      const near = NEIGHBOURS[word[i].toLowerCase()];
      return near ? word.slice(0, i) + near[rng.int(near.length)] + word.slice(i + 1) : word;
    }
  }
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) && !/^(I|I'm|I'd|I've)\b/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);

/** Puts two questions in one message, as visitors do. */
export function joinQuestions(first: string, second: string, rng: Rng): string {
  const join = JOINS[rng.int(JOINS.length)];
  // The second question goes on the sentence the join started, except after a full stop.
  const next = join.includes('. {1}') ? second : lowerFirst(second);
  return join.replace('{1}', first).replace('{2}', next);
}

/**
 * Varies how a visitor message is written: lead-ins and asides, lower case, dropped question
 * marks, casual spellings, typos. Digits and `$` amounts are never changed, so the facts asked
 * about stay the same.
 */
export function visitorStyle(question: string, rng: Rng): string {
  let q = question;
  if (rng.next() < 0.3) q = `${LEAD_INS[rng.int(LEAD_INS.length)]}${lowerFirst(q)}`;
  if (rng.next() < 0.12) q = `${q}${ASIDES[rng.int(ASIDES.length)]}`;
  if (rng.next() < 0.15) q = q.toLowerCase();
  if (rng.next() < 0.15) q = q.replace(/\?$/, '');
  if (rng.next() < 0.08) q = q.replace(/[A-Za-z]+/g, (w) => (CASUAL[w.toLowerCase()] && rng.next() < 0.6 ? CASUAL[w.toLowerCase()] : w));
  if (rng.next() < 0.2) {
    // One or two slips, in words picked at random.
    const long = [...q.matchAll(/[A-Za-z]{4,}/g)];
    for (let s = 1 + rng.int(2); s > 0 && long.length; s--) {
      const [m] = long.splice(rng.int(long.length), 1);
      q = q.slice(0, m.index) + typo(m[0], rng) + q.slice(m.index! + m[0].length);
    }
  }
  return q;
}
