'use client';

import { useCallback, useSyncExternalStore } from 'react';

const noSubscription = () => () => {};

/**
 * False while rendering on the server and hydrating, true afterwards: what depends on the reader's
 * clock, time zone or locale is rendered only then, so hydration never sees a difference.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/** Milliseconds from now until `until`, in whole seconds rounded up as a countdown shows them; 0 once passed. */
function secondsLeft(until: number): number {
  return Math.max(0, Math.ceil((until - Date.now()) / 1000) * 1000);
}

/**
 * Milliseconds left until `until` (ms since the epoch) in whole seconds rounded up, 0 once it has
 * passed; null before hydration. It changes the moment each second runs out: a clock ticking every
 * second from whenever the page started, whatever the deadline's fraction of a second, would show
 * up to two seconds more than are left, and time left once there is none.
 */
export function useSecondsLeft(until: number): number | null {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wakeWhenASecondRunsOut = () => {
        const left = until - Date.now();
        if (left < 0) return;
        // Just after the shown second has run out, never just before.
        timer = setTimeout(
          () => {
            onChange();
            wakeWhenASecondRunsOut();
          },
          (left % 1000) + 1,
        );
      };
      wakeWhenASecondRunsOut();
      return () => clearTimeout(timer);
    },
    [until],
  );
  return useSyncExternalStore(
    subscribe,
    () => secondsLeft(until),
    () => null,
  );
}
