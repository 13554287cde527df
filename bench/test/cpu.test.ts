import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { describeCpu, measureCpu } from '../src/cpu';
import type { BenchSystem } from '../src/system';

/** A process that burns `cpuMs` of CPU once told to (a line on stdin), says `done`, then idles until killed. */
function burner(cpuMs: number): ChildProcess {
  const script = `
    process.stdin.once('data', () => {
      const start = process.cpuUsage();
      while (true) {
        const used = process.cpuUsage(start);
        if ((used.user + used.system) / 1000 >= ${cpuMs}) break;
      }
      console.log('done');
    });
    setInterval(() => {}, 1000);
  `;
  return spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
}

function burn(child: ChildProcess): Promise<void> {
  child.stdin!.write('go\n');
  return new Promise((resolve) => child.stdout!.once('data', () => resolve()));
}

/** The parts of a started stack that measureCpu reads: its service instances and their pids. */
function stackOf(instances: { service: string; name: string; child: ChildProcess }[]): BenchSystem {
  return {
    stack: {
      instances: instances.map(({ service, name }) => ({ service, name })),
      startedInfrastructure: [],
      pid: (name: string) => instances.find((instance) => instance.name === name)?.child.pid,
    },
  } as unknown as BenchSystem;
}

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('measureCpu', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill();
  });

  onLinux('adds up the CPU of each service’s replicas, apart from the launcher’s own', async () => {
    const replicas = [burner(300), burner(300)];
    const other = burner(0);
    children.push(...replicas, other);
    const system = stackOf([
      { service: 'orders', name: 'orders#1', child: replicas[0] },
      { service: 'orders', name: 'orders#2', child: replicas[1] },
      { service: 'tickets', name: 'tickets', child: other },
    ]);
    // Started before measuring: what they spent starting up is not counted.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const { result, cpu } = await measureCpu(system, async () => {
      await Promise.all(replicas.map(burn));
      return 'answered';
    });

    expect(result).toBe('answered');
    expect(cpu!.msByProcess.orders).toBeGreaterThanOrEqual(580);
    expect(cpu!.msByProcess.tickets).toBeLessThan(100);
    expect(cpu!.msByProcess['launcher (gateway and engine)']).toBeLessThan(cpu!.msByProcess.orders / 2);
    // The machine was at least as busy as the two replicas made it.
    expect(cpu!.machineCores * cpu!.wallMs).toBeGreaterThanOrEqual(cpu!.msByProcess.orders - 20);
  });
});

describe('describeCpu', () => {
  it('gives the cores busy, then each process’s share of one core, busiest first, leaving out those under 2%', () => {
    const text = describeCpu({
      wallMs: 2000,
      machineCores: 1.96,
      msByProcess: { tickets: 400, orders: 1900, redis: 30, 'launcher (gateway and engine)': 660 },
    });
    expect(text).toBe(
      `1.96 of ${os.availableParallelism()} cores busy (of one core: orders 95%, launcher (gateway and engine) 33%, tickets 20%)`,
    );
  });
});
