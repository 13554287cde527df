import { expiredSessionCookie, signin } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { useNotificationsTestContext } from '../setup';

const ctx = useNotificationsTestContext();
const PATH = '/api/notifications/preferences';

const newUserId = () => new mongoose.Types.ObjectId().toHexString();

describe('GET /api/notifications/preferences', () => {
  it('refuses a caller who is not signed in (401)', async () => {
    const response = await request(ctx.app).get(PATH).expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
    await request(ctx.app).get(PATH).set('Cookie', expiredSessionCookie()).expect(401);
  });

  it('gives every email on to a user who never changed them', async () => {
    const response = await request(ctx.app).get(PATH).set('Cookie', signin()).expect(200);
    expect(response.body).toEqual({ ticketSold: true, reservationExpired: true, welcome: true });
  });
});

describe('PUT /api/notifications/preferences', () => {
  it('refuses a caller who is not signed in (401)', async () => {
    await request(ctx.app).put(PATH).send({ welcome: false }).expect(401);
  });

  it('changes the preferences given, keeps the others, and answers with all of them', async () => {
    const cookie = signin({ id: newUserId() });
    const first = await request(ctx.app).put(PATH).set('Cookie', cookie).send({ ticketSold: false }).expect(200);
    expect(first.body).toEqual({ ticketSold: false, reservationExpired: true, welcome: true });
    const second = await request(ctx.app)
      .put(PATH)
      .set('Cookie', cookie)
      .send({ welcome: false, reservationExpired: false })
      .expect(200);
    expect(second.body).toEqual({ ticketSold: false, reservationExpired: false, welcome: false });
    const back = await request(ctx.app).put(PATH).set('Cookie', cookie).send({ ticketSold: true }).expect(200);
    expect(back.body).toEqual({ ticketSold: true, reservationExpired: false, welcome: false });

    expect((await request(ctx.app).get(PATH).set('Cookie', cookie).expect(200)).body).toEqual(back.body);
    // Another user's are untouched.
    expect((await request(ctx.app).get(PATH).set('Cookie', signin()).expect(200)).body).toEqual({
      ticketSold: true,
      reservationExpired: true,
      welcome: true,
    });
  });

  it('takes an empty body as no change', async () => {
    const response = await request(ctx.app).put(PATH).set('Cookie', signin()).send({}).expect(200);
    expect(response.body).toEqual({ ticketSold: true, reservationExpired: true, welcome: true });
  });

  it.each([['true'], [1], [null], [['false']], [{}]])(
    'refuses %j as a preference (400 naming the field)',
    async (value) => {
      const cookie = signin({ id: newUserId() });
      const response = await request(ctx.app).put(PATH).set('Cookie', cookie).send({ welcome: value }).expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'Welcome must be true or false', field: 'welcome' }] });
      expect((await request(ctx.app).get(PATH).set('Cookie', cookie)).body.welcome).toBe(true);
    },
  );

  it('names every bad field at once', async () => {
    const response = await request(ctx.app)
      .put(PATH)
      .set('Cookie', signin())
      .send({ ticketSold: 'no', reservationExpired: 0 })
      .expect(400);
    expect(response.body.errors).toEqual([
      { message: 'Ticket sold must be true or false', field: 'ticketSold' },
      { message: 'Reservation expired must be true or false', field: 'reservationExpired' },
    ]);
  });

  it('refuses an unknown field, naming it (receipts cannot be turned off)', async () => {
    const cookie = signin({ id: newUserId() });
    const response = await request(ctx.app)
      .put(PATH)
      .set('Cookie', cookie)
      .send({ welcome: false, receipt: false })
      .expect(400);
    expect(response.body).toEqual({
      errors: [{ message: 'Unknown field receipt: remove it from the request', field: 'receipt' }],
    });
    expect((await request(ctx.app).get(PATH).set('Cookie', cookie)).body.welcome).toBe(true);
  });

  it('refuses a body that is not JSON (415)', async () => {
    const response = await request(ctx.app)
      .put(PATH)
      .set('Cookie', signin())
      .set('Content-Type', 'text/plain')
      .send('welcome=false')
      .expect(415);
    expect(response.body.errors[0].message).toMatch(/JSON/);
  });
});
