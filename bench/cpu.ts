// CPU time of a process and of a process group, from /proc (Linux): what the benchmark charges
// per answer to the app and to PostgreSQL.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Stat {
  ppid: number;
  /** utime + stime of the process itself (all its threads). */
  own: number;
  /** cutime + cstime: its children that ended and were waited for. */
  reaped: number;
}

async function stat(pid: number | string): Promise<Stat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // Fields after the command name (which may hold spaces): state is field 3.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (field: number) => Number(f[field - 3]);
  return { ppid: n(4), own: (n(14) + n(15)) / TICKS, reaped: (n(16) + n(17)) / TICKS };
}

/** CPU seconds of one process (every thread: the app's workers count too). */
export async function processCpuSeconds(pid: number): Promise<number> {
  return (await stat(pid))?.own ?? 0;
}

/**
 * CPU seconds of a server and its children (PostgreSQL's backends call setsid(), so they are not
 * in the postmaster's process group): the leader, every live child, and what its ended children
 * (backends that exited) left it.
 */
export async function groupCpuSeconds(leader: number): Promise<number> {
  let total = 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await stat(name);
    if (!s || (s.ppid !== leader && Number(name) !== leader)) continue;
    total += s.own + (Number(name) === leader ? s.reaped : 0);
  }
  return total;
}

/** The postmaster's pid, from its data folder (line 1 of postmaster.pid). */
export async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
}

/** CPU of the app and of PostgreSQL between start() and the returned function's call. */
export async function cpuMeter(appPid: number, pgLeader: number) {
  const [app0, pg0] = [await processCpuSeconds(appPid), await groupCpuSeconds(pgLeader)];
  return async () => ({
    app: (await processCpuSeconds(appPid)) - app0,
    pg: (await groupCpuSeconds(pgLeader)) - pg0,
  });
}
