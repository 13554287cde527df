import type { Figure } from '../report';
import { metricSum, verdictOf } from '../stats';
import type { BenchSystem } from '../system';

const GOAL_MB = 150;

/** Each service instance's resident memory in MB, from its /metrics (process_resident_memory_bytes). */
export async function residentMemory(system: BenchSystem): Promise<Record<string, number>> {
  const entries = await Promise.all(
    system.stack.instances.map(async (instance) => {
      const text = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
      const bytes = metricSum(text, 'process_resident_memory_bytes');
      return [instance.name, bytes === undefined ? NaN : Math.round(bytes / 2 ** 20)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Resident memory of each service, idle (just started) and after the load of the other figures. */
export function memoryFigure(idle: Record<string, number>, loaded: Record<string, number>): Figure {
  const all = [...Object.values(idle), ...Object.values(loaded)];
  return {
    name: 'resident memory',
    goal: `< ${GOAL_MB} MB each`,
    verdict: verdictOf(all.map((mb) => mb < GOAL_MB)),
    values: {
      ...Object.fromEntries(Object.entries(idle).map(([name, mb]) => [`${name} idle MB`, mb])),
      ...Object.fromEntries(Object.entries(loaded).map(([name, mb]) => [`${name} after load MB`, mb])),
    },
  };
}
