/**
 * Where the machine's CPU went while a load ran: each process of the stack (service replicas
 * summed by service, the launcher hosting the gateway and the embedded engine, NATS and Redis)
 * and the machine as a whole, from Linux's /proc. What limits a figure that misses its goal is
 * then measured in the run that missed it, not guessed.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchSystem } from './system';

/** The unit of /proc's CPU times: USER_HZ, 100 on every architecture Linux exports them for. */
const TICKS_PER_SECOND = 100;
const LAUNCHER = 'launcher (gateway and engine)';

export interface CpuUse {
  wallMs: number;
  /** Cores busy on average over the load, whatever ran on them (the load's own process included). */
  machineCores: number;
  /** CPU ms of each process of the stack, replicas of a service summed. */
  msByProcess: Record<string, number>;
}

/** user + system CPU ms of a process so far; undefined when it cannot be read (gone, or not Linux). */
function processCpuMs(pid: number): number | undefined {
  try {
    // The command's name, in parentheses, may hold spaces: the fields counted after it start with the state (3rd).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy CPU ms of all cores together so far (the first line of /proc/stat); undefined off Linux. */
function machineBusyMs(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const busy = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0) - ticks[3] - ticks[4];
    return (busy * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The stack's processes to measure, by name in the report: pids of a service's replicas share its name. */
function stackProcesses(system: BenchSystem): [string, number][] {
  const { stack } = system;
  const processes: [string, number | undefined][] = [
    [LAUNCHER, process.pid],
    ...stack.instances.map(({ service, name }): [string, number | undefined] => [service, stack.pid(name)]),
    ...stack.startedInfrastructure
      .filter((name) => name === 'nats' || name === 'redis')
      .map((name): [string, number | undefined] => [name, stack.pid(name)]),
  ];
  return processes.filter((entry): entry is [string, number] => entry[1] !== undefined);
}

function snapshot(processes: [string, number][]): Map<number, number> {
  return new Map(processes.map(([, pid]) => [pid, processCpuMs(pid) ?? 0]));
}

/** Runs `work`, measuring the CPU the stack and the machine used meanwhile; cpu is undefined off Linux. */
export async function measureCpu<T>(
  system: BenchSystem,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse | undefined }> {
  const processes = stackProcesses(system);
  const machineBefore = machineBusyMs();
  const before = snapshot(processes);
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const after = snapshot(processes);
  const machineAfter = machineBusyMs();
  if (machineBefore === undefined || machineAfter === undefined) return { result, cpu: undefined };
  const msByProcess: Record<string, number> = {};
  for (const [name, pid] of processes) {
    msByProcess[name] = (msByProcess[name] ?? 0) + Math.max(0, after.get(pid)! - before.get(pid)!);
  }
  const machineCores = (machineAfter - machineBefore) / wallMs;
  return { result, cpu: { wallMs, machineCores, msByProcess } };
}

/**
 * E.g. `1.96 of 2 cores busy (of one core: orders 98%, launcher (gateway and engine) 33%, tickets
 * 19%)`: each process's share of one core, busiest first, those under 2% left out.
 */
export function describeCpu(cpu: CpuUse): string {
  const shares = Object.entries(cpu.msByProcess)
    .map(([name, ms]) => [name, (100 * ms) / cpu.wallMs] as const)
    .filter(([, percent]) => percent >= 2)
    .sort((a, b) => b[1] - a[1])
    .map(([name, percent]) => `${name} ${Math.round(percent)}%`);
  return `${cpu.machineCores.toFixed(2)} of ${os.availableParallelism()} cores busy (of one core: ${shares.join(', ')})`;
}
