import { Router } from 'express';
import request from 'supertest';
import { validateRequest } from '../middlewares/validate-request';
import { createLogger } from './logger';
import { paginationRules, requestedPage, sendPage } from './pagination';
import { createServiceApp } from './service-app';

// 30 items with increasing ids, served newest first like every list of the services.
const ids = Array.from({ length: 30 }, (_, index) => (0x6b01f1392dad1b761be15900n + BigInt(index)).toString(16));
const newestFirst = [...ids].reverse();

const router = Router();
router.get('/api/things', ...paginationRules(), validateRequest, (req, res) => {
  const page = requestedPage(req);
  const rows = newestFirst.filter((id) => page.beforeId === undefined || id < page.beforeId).slice(0, page.limit + 1);
  sendPage(
    req,
    res,
    rows.map((id) => ({ id })),
    page,
  );
});
const app = createServiceApp({ logger: createLogger('test', { level: 'silent' }), routers: [router] });

describe('pagination', () => {
  it('pages through every item once, following Link, keeping the other query parameters', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/api/things?limit=12&q=keep';
    const pageSizes: number[] = [];
    while (url) {
      const response = await request(app).get(url).expect(200);
      const items = response.body as { id: string }[];
      pageSizes.push(items.length);
      seen.push(...items.map((item) => item.id));
      const link = response.headers.link as string | undefined;
      if (link) {
        expect(link).toContain('q=keep');
        expect(link).toContain(`cursor=${response.headers['x-next-cursor'] as string}`);
      }
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(pageSizes).toEqual([12, 12, 6]);
    expect(seen).toEqual(newestFirst);
  });

  it('gives 20 items by default and no next link on the last page', async () => {
    const first = await request(app).get('/api/things').expect(200);
    expect(first.body).toHaveLength(20);
    const last = await request(app)
      .get(`/api/things?cursor=${first.headers['x-next-cursor'] as string}`)
      .expect(200);
    expect(last.body).toHaveLength(10);
    expect(last.headers.link).toBeUndefined();
  });

  it.each([
    ['limit=0', 'limit', 'Limit must be an integer from 1 to 100'],
    ['limit=101', 'limit', 'Limit must be an integer from 1 to 100'],
    ['limit=ten', 'limit', 'Limit must be an integer from 1 to 100'],
    [
      'cursor=bm90LWFuLWlk',
      'cursor',
      'Cursor is not one this service gave out: use the X-Next-Cursor of the previous page',
    ],
  ])('answers %s with 400 naming the parameter', async (query, field, message) => {
    const response = await request(app).get(`/api/things?${query}`).expect(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
  });
});
