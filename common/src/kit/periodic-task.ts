import type { BusLogger } from '../events/bus';
import type { BackgroundTask } from './run-service';

export interface PeriodicTaskOptions {
  /** Names the task in shutdown logs and in the failure line. */
  name: string;
  intervalMs: number;
  logger: Pick<BusLogger, 'error'>;
  /** One round of the work; a failure is logged and the next round runs as usual. */
  run(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` (after the first interval, never two rounds at once) until stopped;
 * `stop()` waits for a round in progress. The shape of every sweep a service keeps as a backstop.
 */
export function startPeriodicTask(options: PeriodicTaskOptions): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = () => {
    timer = setTimeout(() => {
      running = options
        .run()
        .catch((err: unknown) => options.logger.error({ err }, `${options.name} failed, retrying at the next round`))
        .finally(() => {
          running = undefined;
          if (!stopped) schedule();
        });
    }, options.intervalMs);
  };
  schedule();

  return {
    name: options.name,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
