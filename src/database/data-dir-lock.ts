import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';

/** Who holds an embedded data directory: its process, and the loopback URL it serves the database on (null while starting). */
export interface DataDirOwner {
  pid: number;
  url: string | null;
  startedAt: string;
}

/** The data directory is held by another live process (a second server may not start on it). */
export class DataDirInUseError extends Error {
  readonly code = 'data_dir_in_use';
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by another Closer process (pid ${owner.pid}, since ${owner.startedAt}): stop it, or set DATA_DIR to another folder. ` +
        `If no such process exists, delete ${lockPath(dataDir)}`,
    );
    this.name = 'DataDirInUseError';
  }
}

export const lockPath = (dataDir: string) => `${dataDir}.owner.json`;

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner recorded in a lock file (undefined when absent or unreadable, e.g. mid-rewrite). */
export function readOwner(path: string): DataDirOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as DataDirOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One owner per embedded data directory: a file beside it created exclusively ('wx') by the process
 * that opens the database. A crash cannot leave it stuck: a file whose process is gone (or that is
 * unreadable) is moved aside with one atomic rename, so of two processes breaking it at once only
 * one succeeds, and the claim is retried.
 */
export class DataDirLock {
  private constructor(
    private readonly path: string,
    private readonly owner: DataDirOwner,
  ) {}

  /** Claims the directory, or returns its live owner. */
  static claim(dataDir: string): DataDirLock | DataDirOwner {
    const path = lockPath(dataDir);
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner: DataDirOwner = { pid: process.pid, url: null, startedAt: new Date().toISOString() };
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(owner));
        closeSync(fd);
        return new DataDirLock(path, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const existing = readOwner(path);
      if (existing && alive(existing.pid)) return existing;
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new Error(`could not claim ${path}: it keeps reappearing`);
  }

  /** Where other processes of this host reach the database while this one holds it. */
  publish(url: string): void {
    // Written aside and renamed over: a reader never sees a half-written (unreadable, so stale-looking) file.
    const next = `${this.path}.${process.pid}.tmp`;
    writeFileSync(next, JSON.stringify({ ...this.owner, url }));
    renameSync(next, this.path);
  }

  release(): void {
    // Only our own claim is removed (nobody else replaces it while we live).
    if (readOwner(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
