import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { round } from './stats';

/** Clock ticks per second of /proc's CPU times. */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface CpuSnapshot {
  at: number;
  /** Busy and total seconds of all cores since boot. */
  machine: { busy: number; total: number } | null;
  /** Per watched process: CPU seconds by thread group. */
  processes: Map<number, Map<string, number>>;
  postgres: Map<number, number> | null;
  client: NodeJS.CpuUsage;
}

/** utime + stime (seconds) and the command name of a /proc/…/stat line. */
function readStat(path: string): { name: string; seconds: number } | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // The name sits in parentheses and may itself hold spaces or parentheses.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    // Fields after the name start at field 3 (state): utime and stime are fields 14 and 15.
    return { name: stat.slice(stat.indexOf('(') + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
  } catch {
    return null; // exited meanwhile
  }
}

function threadsOf(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return groups;
  for (const tid of readdirSync(dir)) {
    const stat = readStat(`${dir}/${tid}/stat`);
    if (!stat) continue;
    const group = Number(tid) === pid ? 'main' : stat.name;
    groups.set(group, (groups.get(group) ?? 0) + stat.seconds);
  }
  return groups;
}

/** CPU seconds of every Postgres process, by pid. */
function postgresSeconds(): Map<number, number> | null {
  if (!existsSync('/proc/self/stat')) return null;
  const seconds = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat?.name === 'postgres') seconds.set(Number(entry), stat.seconds);
  }
  return seconds;
}

function machineSeconds(): { busy: number; total: number } | null {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busy: (total - idle - iowait) / ticksPerSecond, total: total / ticksPerSecond };
  } catch {
    return null;
  }
}

/**
 * CPU time from Linux's /proc: the whole machine, given processes (split by thread: the main
 * thread runs the JS and the ORT runs, the others are ORT's and libuv's pools and V8's helpers)
 * and every Postgres process (other databases' backends included). Everything is null where /proc is absent.
 */
export function snapshot(pids: number[]): CpuSnapshot {
  return {
    at: performance.now(),
    machine: machineSeconds(),
    processes: new Map(pids.map((pid) => [pid, threadsOf(pid)])),
    postgres: postgresSeconds(),
    client: process.cpuUsage(),
  };
}

/**
 * Utilisation between two snapshots, as a share of one core (1.0 = one core busy; the machine's
 * `cores` is the ceiling): the machine, the server processes (summed, and by thread group), Postgres,
 * this benchmark's own process, and the 1-minute load average at the end.
 */
export function utilisation(a: CpuSnapshot, b: CpuSnapshot) {
  const wall = (b.at - a.at) / 1000;
  const cores = cpus().length;
  const threads = new Map<string, number>();
  for (const [pid, groups] of b.processes) {
    for (const [group, seconds] of groups) threads.set(group, (threads.get(group) ?? 0) + seconds - (a.processes.get(pid)?.get(group) ?? 0));
  }
  const server = [...threads.values()].reduce((s, x) => s + x, 0);
  const client = (b.client.user + b.client.system - a.client.user - a.client.system) / 1e6;
  // Backends that started meanwhile count from zero; those that exited meanwhile are missed.
  const postgres = a.postgres === null || b.postgres === null ? null : [...b.postgres].reduce((sum, [pid, s]) => sum + s - (a.postgres!.get(pid) ?? 0), 0);
  const machineBusy = a.machine && b.machine ? b.machine.busy - a.machine.busy : null;
  const share = (seconds: number) => Math.round((seconds / wall) * 100) / 100;
  return {
    cores,
    machine_busy_share: a.machine && b.machine ? Math.round(((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 1000) / 1000 : null,
    server_cores: share(server),
    server_threads_cores: Object.fromEntries([...threads].sort((x, y) => y[1] - x[1]).map(([g, s]) => [g, share(s)])),
    postgres_cores: postgres === null ? null : share(postgres),
    bench_client_cores: share(client),
    // Whatever else ran meanwhile (other engineers' builds and tests on a shared machine).
    other_cores: machineBusy === null ? null : share(Math.max(0, machineBusy - server - client - (postgres ?? 0))),
    server_cpu_seconds: round(server),
    load_average_1m: loadavg()[0],
  };
}
