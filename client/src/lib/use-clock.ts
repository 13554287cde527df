'use client';

import { useSyncExternalStore } from 'react';

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

function subscribeToSeconds(onTick: () => void): () => void {
  const timer = setInterval(onTick, 1_000);
  return () => clearInterval(timer);
}

/** The current time in whole seconds (ms since the epoch), updated every second; null before hydration. */
export function useNowInSeconds(): number | null {
  return useSyncExternalStore(
    subscribeToSeconds,
    () => Math.floor(Date.now() / 1000) * 1000,
    () => null,
  );
}
