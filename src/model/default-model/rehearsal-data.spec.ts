import { shippedCatalog } from '../../catalog';
import { loadPersonaLibrary } from '../../simulator';
import { SPECIAL_TOKENS } from '../chat-format';
import { ChatTokenizer } from '../tokenizer';
import { rehearsalWindows } from './rehearsal-data';

const MODEL = 'models/default';

describe('rehearsal windows (what the finishing step replays)', () => {
  it('packs intent dialogues of the default corpus in the model\'s tokens, trained on assistant replies only', async () => {
    const catalog = shippedCatalog();
    const windows = await rehearsalWindows({ catalog, personas: loadPersonaLibrary(catalog), modelDir: MODEL, seq: 64, dialogues: 40 });
    const tokenizer = await ChatTokenizer.load(MODEL);
    expect(windows.length).toBeGreaterThan(20);
    for (const w of windows) {
      expect(w.ids).toHaveLength(65);
      expect(w.trainable).toHaveLength(65);
    }
    const text = tokenizer.decode(windows.flatMap((w) => w.ids.slice(0, 64)), false);
    expect(text).toContain(`${SPECIAL_TOKENS.imStart}user\n`);
    const trained = tokenizer.decode(windows.flatMap((w) => w.ids.filter((_, t) => w.trainable[t])), false);
    expect(trained).not.toContain(SPECIAL_TOKENS.imStart);
    expect(trained.length).toBeGreaterThan(500);
  });

});
