import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('starts at the base delay and doubles with each attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 100, 10_000))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the maximum, however many attempts', () => {
    expect(backoffDelay(5, 100, 1_000)).toBe(1_000);
    expect(backoffDelay(10_000, 100, 1_000)).toBe(1_000);
  });
});
