import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectId } from 'mongodb';
import { describeCpu, measureCpu, type CpuUse } from '../cpu';
import { autocannon, startScriptServer, type LoadResult } from '../processes';
import type { Figure } from '../report';
import { verdictOf } from '../stats';
import type { BenchSystem } from '../system';

const TICKETS = 10_000;
const PAGE = 20;
const SERVICE_SHARE_GOAL = 0.4;
const GATEWAY_SHARE_GOAL = 0.3;

/** 10,000 tickets for sale, written straight to the tickets database (the HTTP figure needs no events). */
async function seedTickets(system: BenchSystem): Promise<void> {
  const tickets = system.db('tickets').collection('tickets');
  const now = Date.now();
  for (let batch = 0; batch < TICKETS; batch += 1000) {
    await tickets.insertMany(
      Array.from({ length: 1000 }, (_, index) => ({
        _id: new ObjectId(),
        title: `Concert ${batch + index}`,
        price: 10 + ((batch + index) % 90),
        userId: new ObjectId().toHexString(),
        status: 'available',
        cancelledOrderIds: [],
        version: 0,
        createdAt: new Date(now - TICKETS + batch + index),
      })),
    );
  }
}

async function json(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

/**
 * `GET /api/tickets` (a page of 20 among 10,000) and `GET /api/tickets/:id`, each from autocannon
 * (its own process, `connections` connections, `seconds` s) against bare node:http and bare
 * Express 5 serving the same JSON, the tickets service straight and through the gateway.
 */
export async function httpFigures(
  system: BenchSystem,
  options: { connections: number; seconds: number; resultsDir: string },
): Promise<Figure[]> {
  await seedTickets(system);
  const service = system.serviceUrl('tickets');
  const list = (await json(`${service}/api/tickets?limit=${PAGE}`)) as { id: string }[];
  if (list.length !== PAGE) throw new Error(`the tickets service listed ${list.length} tickets, not ${PAGE}`);
  const ticket = await json(`${service}/api/tickets/${list[7].id}`);
  const bodiesFile = path.join(options.resultsDir, 'http-bodies.json');
  await writeFile(bodiesFile, JSON.stringify({ list, ticket }));
  const bare = await startScriptServer('baseline-server.ts', ['http', bodiesFile]);
  const express = await startScriptServer('baseline-server.ts', ['express', bodiesFile]);
  const targets = {
    'node:http': `http://127.0.0.1:${bare.port}`,
    'Express 5': `http://127.0.0.1:${express.port}`,
    service,
    gateway: system.stack.url,
  };
  const routes = {
    'GET /api/tickets (20 of 10,000)': `/api/tickets?limit=${PAGE}`,
    'GET /api/tickets/:id': `/api/tickets/${list[7].id}`,
  };
  const figures: Figure[] = [];
  try {
    for (const [name, route] of Object.entries(routes)) {
      const results: Record<string, LoadResult> = {};
      const cpuOf: Record<string, CpuUse | undefined> = {};
      for (const [target, base] of Object.entries(targets)) {
        console.log(`  ${name}: ${target}`);
        const measured = await measureCpu(system, () =>
          autocannon(`${base}${route}`, options.connections, options.seconds),
        );
        results[target] = measured.result;
        cpuOf[target] = measured.cpu;
      }
      const share = (target: string) => results[target].requestsPerSecond / results['Express 5'].requestsPerSecond;
      const failed = Object.values(results).reduce((sum, result) => sum + result.non2xx + result.errors, 0);
      figures.push({
        name,
        goal: `service ≥ ${SERVICE_SHARE_GOAL * 100}% of bare Express, gateway ≥ ${GATEWAY_SHARE_GOAL * 100}%`,
        verdict: verdictOf([
          share('service') >= SERVICE_SHARE_GOAL,
          share('gateway') >= GATEWAY_SHARE_GOAL,
          failed === 0,
        ]),
        values: {
          ...Object.fromEntries(
            Object.entries(results).map(([target, result]) => [
              `${target} req/s`,
              Math.round(result.requestsPerSecond),
            ]),
          ),
          'service / Express': share('service'),
          'gateway / Express': share('gateway'),
          'service p99 ms': results.service.latency.p99,
          'gateway p99 ms': results.gateway.latency.p99,
          'non-2xx or errors': failed,
        },
        latencies: Object.fromEntries(Object.entries(results).map(([target, result]) => [target, result.latency])),
        note: (['service', 'gateway'] as const)
          .flatMap((target) => (cpuOf[target] ? [`CPU with the ${target}: ${describeCpu(cpuOf[target])}`] : []))
          .join('; '),
      });
    }
  } finally {
    bare.child.kill('SIGTERM');
    express.child.kill('SIGTERM');
  }
  return figures;
}
