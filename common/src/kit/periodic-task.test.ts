import { createMemoryLogger } from '../testing/memory-logger';
import { waitFor } from '../testing/wait';
import { startPeriodicTask } from './periodic-task';

describe('startPeriodicTask', () => {
  it('runs every interval, one round at a time, and keeps going after a failed round', async () => {
    const logger = createMemoryLogger();
    let rounds = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const task = startPeriodicTask({
      name: 'test sweep',
      intervalMs: 5,
      logger,
      run: async () => {
        rounds += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 15));
        concurrent -= 1;
        if (rounds === 2) throw new Error('boom');
      },
    });
    await waitFor(() => rounds >= 4, { description: 'four rounds' });
    await task.stop();

    expect(task.name).toBe('test sweep');
    expect(maxConcurrent).toBe(1);
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'error', msg: 'test sweep failed, retrying at the next round' }),
    ]);
  });

  it('stop waits for the round in progress and runs no more', async () => {
    let finished = 0;
    const task = startPeriodicTask({
      name: 'slow sweep',
      intervalMs: 1,
      logger: createMemoryLogger(),
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished += 1;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await task.stop();
    expect(finished).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(finished).toBe(1);
  });
});
