import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';

/** One instruction of a stage, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  instructions: Instruction[];
}

/** A Dockerfile's stages (comment lines dropped, `\` continuations joined, ARGs before the first FROM skipped). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, word, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const keyword = word?.toUpperCase();
    if (keyword === 'FROM') stages.push({ name: /\s+AS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    else if (stages.length > 0) stages.at(-1)!.instructions.push({ keyword, args });
    else if (keyword !== 'ARG') throw new Error(`Dockerfile: ${line} before the first FROM`);
  }
  return stages;
}

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** `ENV K=V K2=V2` lines of a stage (unquoted values). */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    of(stage, 'ENV').flatMap((i) =>
      i.args.split(/\s+/).map((pair) => {
        if (!/^[A-Z_][A-Z0-9_]*=[^"'\s]*$/i.test(pair)) throw new Error(`ENV ${i.args}: only unquoted K=V pairs are laid out`);
        return pair.split('=', 2) as [string, string];
      }),
    ),
  );
}

/** The exec-form CMD (`CMD ["node", "…"]`). */
export function stageCommand(stage: Stage): string[] {
  const cmd = of(stage, 'CMD').at(-1);
  if (!cmd?.args.startsWith('[')) throw new Error('the runtime stage needs an exec-form CMD');
  return JSON.parse(cmd.args) as string[];
}

/** The shell command of `HEALTHCHECK [options] CMD …`. */
export function stageHealthcheck(stage: Stage): string | undefined {
  return of(stage, 'HEALTHCHECK').at(-1)?.args.replace(/^.*?\bCMD\s+/, '');
}

/** A stage's filesystem laid out in a local directory, which stands for the stage's WORKDIR. */
export class StageDirectory {
  private workdir = '/';

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** Where an image path (absolute, inside WORKDIR, or relative to it) is here. */
  local(path: string): string {
    const absolute = posix.resolve(this.workdir, path);
    const inside = posix.relative(this.workdir, absolute);
    if (inside.startsWith('..')) throw new Error(`${path} is outside WORKDIR ${this.workdir}: not laid out by this test`);
    return join(this.root, inside);
  }

  /**
   * Runs the stage's instructions: WORKDIR, and COPY from the build context or from an earlier
   * stage (a directory's contents into the destination, files into a destination ending in `/`),
   * as Docker does; each RUN goes to `run`. Sources listed in `ignored` (the .dockerignore) are refused.
   */
  layOut(stage: Stage, { context, stages, ignored, run }: { context: string; stages: Map<string, StageDirectory>; ignored: string[]; run: (command: string, dir: StageDirectory) => void }): void {
    for (const { keyword, args } of stage.instructions) {
      if (keyword === 'WORKDIR') {
        this.workdir = posix.resolve(this.workdir, args);
      } else if (keyword === 'RUN') {
        run(args, this);
      } else if (keyword === 'COPY') {
        const tokens = args.split(/\s+/);
        const flags = tokens.filter((t) => t.startsWith('--'));
        const paths = tokens.filter((t) => !t.startsWith('--'));
        const unknownFlag = flags.find((f) => !/^--(from|chown|chmod)=/.test(f));
        if (args.startsWith('[') || unknownFlag) throw new Error(`COPY ${args}: not laid out by this test`);
        const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
        const dest = paths.pop()!;
        for (const source of paths) {
          let path: string;
          if (from) {
            const earlier = stages.get(from);
            if (!earlier) throw new Error(`COPY --from=${from}: no earlier stage of that name`);
            path = earlier.local(source);
          } else {
            const excludedBy = ignored.find((entry) => source === entry || source.startsWith(`${entry}/`));
            if (excludedBy) throw new Error(`COPY ${source}: excluded from the build context by the .dockerignore entry "${excludedBy}"`);
            path = join(context, source);
          }
          if (!existsSync(path)) throw new Error(`COPY ${source}: ${path} does not exist`);
          const target = this.local(dest);
          if (statSync(path).isDirectory()) {
            mkdirSync(target, { recursive: true });
            // Within the test's temp folders, hard links: node_modules is large, and nothing here writes to it.
            execFileSync('cp', [from ? '-al' : '-a', `${path}/.`, target]);
          } else {
            const file = dest.endsWith('/') || paths.length > 1 ? join(target, basename(source)) : target;
            mkdirSync(dirname(file), { recursive: true });
            execFileSync('cp', ['-a', path, file]);
          }
        }
      }
    }
  }
}

/** Entries of a .dockerignore (plain paths from the context root; patterns are refused, the layout could not follow them). */
export function dockerignoreEntries(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((entry) => {
      if (/[*?[\]!]/.test(entry)) throw new Error(`${path}: "${entry}" is a pattern; this test lays out plain paths only`);
      return entry.replace(/^\/+|\/+$/g, '');
    });
}
