'use client';

import { useCallback, useEffect, useState } from 'react';
import type { Order } from '@/lib/types';
import { useSecondsLeft } from '@/lib/use-clock';

const POLL_INTERVAL_MS = 2_000;

/**
 * The order as it is now: pushed by the orders service's event stream the moment it changes
 * (whichever replica changed it), and polled while the stream is down. `refresh` asks at once.
 */
export function useLiveOrder(initial: Order): { order: Order; live: boolean; refresh: () => void } {
  const [order, setOrder] = useState(initial);
  const [live, setLive] = useState(false);
  const id = initial.id;

  const refresh = useCallback(() => {
    void fetch(`/api/orders/${id}`, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then((response) => (response.ok ? (response.json() as Promise<Order>) : undefined))
      .then((latest) => latest && setOrder((current) => (latest.version >= current.version ? latest : current)))
      .catch(() => undefined);
  }, [id]);

  useEffect(() => {
    const stream = new EventSource(`/api/orders/${id}/events`);
    let poller: ReturnType<typeof setInterval> | undefined;
    const stopPolling = () => {
      clearInterval(poller);
      poller = undefined;
    };
    stream.addEventListener('order', (event) => {
      const latest = JSON.parse((event as MessageEvent<string>).data) as Order;
      setOrder((current) => (latest.version >= current.version ? latest : current));
    });
    stream.onopen = () => {
      setLive(true);
      stopPolling();
    };
    // The browser reconnects the stream by itself; until it is back, ask every few seconds.
    stream.onerror = () => {
      setLive(false);
      poller ??= setInterval(refresh, POLL_INTERVAL_MS);
    };
    return () => {
      stream.close();
      stopPolling();
    };
  }, [id, refresh]);

  return { order, live, refresh };
}

/** Milliseconds left until `iso` in whole seconds; null before hydration (the server cannot know "now"). */
export function useTimeLeft(iso: string): number | null {
  return useSecondsLeft(Date.parse(iso));
}
