import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock, lockPath } from './data-dir-lock';

describe('DataDirLock', () => {
  const root = mkdtempSync(join(tmpdir(), 'closer-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string) => join(root, name);
  /** The pid of a process that has exited: what a crashed owner leaves in its lock file. */
  const deadPid = () => spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();

  it('one claim at a time: a second one gets the live owner (with the URL it published), and release frees the directory', () => {
    const first = DataDirLock.claim(dir('a'));
    expect(first).toBeInstanceOf(DataDirLock);
    (first as DataDirLock).publish('postgres://postgres@127.0.0.1:5555/postgres');
    expect(DataDirLock.claim(dir('a'))).toMatchObject({ pid: process.pid, url: 'postgres://postgres@127.0.0.1:5555/postgres' });
    (first as DataDirLock).release();
    expect(existsSync(lockPath(dir('a')))).toBe(false);
    const again = DataDirLock.claim(dir('a'));
    expect(again).toBeInstanceOf(DataDirLock);
    (again as DataDirLock).release();
  });

  it('a crash cannot leave it stuck: a lock of a dead process, or an unreadable one, is broken and claimed', () => {
    writeFileSync(lockPath(dir('b')), JSON.stringify({ pid: Number(deadPid()), url: 'postgres://gone', startedAt: '2026-01-01T00:00:00Z' }));
    const claimed = DataDirLock.claim(dir('b'));
    expect(claimed).toBeInstanceOf(DataDirLock);
    expect(JSON.parse(readFileSync(lockPath(dir('b')), 'utf8'))).toMatchObject({ pid: process.pid, url: null });
    (claimed as DataDirLock).release();

    writeFileSync(lockPath(dir('c')), '{"pid":');
    const overTorn = DataDirLock.claim(dir('c'));
    expect(overTorn).toBeInstanceOf(DataDirLock);
    (overTorn as DataDirLock).release();
  });
});
