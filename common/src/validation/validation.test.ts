import { Router } from 'express';
import { matchedData } from 'express-validator';
import request from 'supertest';
import { characterCount, idField, isObjectId, textField } from '.';
import { createLogger } from '../kit/logger';
import { createServiceApp } from '../kit/service-app';
import { validateRequest } from '../middlewares/validate-request';

describe('characterCount', () => {
  it.each([
    ['', 0],
    ['Concert', 7],
    ['🎫', 1],
    ['🎫'.repeat(120), 120],
    ['café', 4],
  ])('counts %j as %i characters', (text, count) => {
    expect(characterCount(text)).toBe(count);
  });
});

describe('isObjectId', () => {
  it.each(['6b01f1392dad1b761be159a8', '6B01F1392DAD1B761BE159A8'])('accepts %s', (id) => {
    expect(isObjectId(id)).toBe(true);
  });

  it.each(['', '6b01f1392dad1b761be159a', '6b01f1392dad1b761be159a8x', 'zzzzzzzzzzzzzzzzzzzzzzzz', 42, null])(
    'refuses %j',
    (value) => {
      expect(isObjectId(value)).toBe(false);
    },
  );
});

describe('field rules', () => {
  const router = Router();
  router.post('/things', idField('ownerId', 'Owner id'), textField('name', 'Name', 5), validateRequest, (req, res) => {
    res.status(201).json(matchedData(req));
  });
  const app = createServiceApp({ logger: createLogger('test', { level: 'silent' }), routers: [router] });

  it('passes valid input, trimmed', async () => {
    const response = await request(app).post('/things').send({ ownerId: '6b01f1392dad1b761be159a8', name: ' 🎫🎫 ' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ ownerId: '6b01f1392dad1b761be159a8', name: '🎫🎫' });
  });

  it.each([
    [{}, 'Owner id is required', 'Name is required'],
    [{ ownerId: null, name: '   ' }, 'Owner id is required', 'Name is required'],
    [{ ownerId: 42, name: ['a'] }, 'Owner id must be a string', 'Name must be a string'],
    [
      { ownerId: 'abc', name: '🎫'.repeat(6) },
      'Owner id must be a 24-character hexadecimal id',
      'Name must be at most 5 characters',
    ],
  ])('words the same situation the same way: %j', async (body, ownerMessage, nameMessage) => {
    const response = await request(app).post('/things').send(body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: ownerMessage, field: 'ownerId' },
        { message: nameMessage, field: 'name' },
      ],
    });
  });
});
