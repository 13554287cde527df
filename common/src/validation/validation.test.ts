import { Router } from 'express';
import { matchedData } from 'express-validator';
import request from 'supertest';
import { characterCount, idField, isObjectId, textField, textQuery } from '.';
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

describe('free text', () => {
  const router = Router();
  router.post('/things', textField('title', 'Title', 20), validateRequest, (req, res) => {
    res.status(201).json(matchedData(req));
  });
  router.get('/things', textQuery('q', 'Search text', 20), validateRequest, (req, res) => {
    res.json(matchedData(req));
  });
  const app = createServiceApp({ logger: createLogger('test', { level: 'silent' }), routers: [router] });
  const post = (title: string) => request(app).post('/things').send({ title });

  const controlMessage =
    'Title must be one line of text, without control characters (line breaks, tabs, NUL and the like)';
  it.each([
    ['NUL', 'Jazz\u0000night'],
    ['a tab', 'Jazz\tnight'],
    ['a line break', 'Jazz\nnight'],
    ['a carriage return', 'Jazz\rnight'],
    ['an escape', '\u001b[31mJazz'],
    ['DEL', 'Jazz\u007f'],
    ['a C1 control (NEL)', 'Jazz\u0085night'],
    ['a C1 control (CSI)', 'Jazz\u009b'],
  ])('refuses a text with %s', async (_case, title) => {
    const response = await post(title);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: controlMessage, field: 'title' }] });
  });

  const bidiMessage =
    'Title cannot contain characters that override the direction of the text (U+202A to U+202E, U+2066 to U+2069)';
  it.each(['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'])(
    'refuses a text with the bidirectional control %j',
    async (control) => {
      const response = await post(`Jazz ${control}thgin`);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ message: bidiMessage, field: 'title' }] });
    },
  );

  const invisibleMessage = 'Title must contain visible characters, not only spaces or invisible ones';
  it.each([
    ['zero-width spaces', '\u200b\u200b\u200b'],
    ['a zero-width joiner and non-joiner', '\u200d\u200c'],
    ['word joiners between spaces', ' \u2060 \u2060 '],
    ['soft hyphens', '\u00ad\u00ad'],
    ['directional marks', '\u200e\u200f'],
    ['a Hangul filler', '\u3164'],
    ['a blank Braille pattern', '\u2800\u2800'],
    ['a variation selector', '\ufe0f'],
    ['an ideographic space and a zero-width space', '\u3000\u200b'],
  ])('refuses a text of only %s', async (_case, title) => {
    const response = await post(title);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: invisibleMessage, field: 'title' }] });
  });

  it('calls a text of only spaces missing, as before', async () => {
    const response = await post(' \u00a0\u3000 ');
    expect(response.body).toEqual({ errors: [{ message: 'Title is required', field: 'title' }] });
  });

  it.each([
    ['accented letters', 'Café Ópera'],
    ['emoji, joined ones too', '🎫 👩‍👩‍👧 🇫🇷'],
    ['Arabic', 'حفلة موسيقية'],
    ['Hebrew', 'הופעה חיה'],
    ['right-to-left with a directional mark', 'Live \u200fהופעה'],
    ['a joiner inside a word (Persian)', 'می\u200cخواهم'],
  ])('accepts %s', async (_case, title) => {
    const response = await post(title);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ title });
  });

  it('stores NFC: a decomposed "é" becomes one character, and is counted as one', async () => {
    const decomposed = 'Cafe\u0301 '.repeat(2).trim();
    expect(characterCount(decomposed)).toBe(11);
    const response = await post(decomposed);
    expect(response.status).toBe(201);
    expect(response.body.title).toBe('Café Café');
    expect(response.body.title).toBe(decomposed.normalize('NFC'));
  });

  it('checks a search text the same way, but lets it be empty', async () => {
    const search = (q: string) => request(app).get('/things').query({ q });
    expect((await search('Cafe\u0301')).body).toEqual({ q: 'Café' });
    expect((await search('')).body).toEqual({ q: '' });
    const refused = await search('Jazz\u0000');
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      errors: [
        {
          message:
            'Search text must be one line of text, without control characters (line breaks, tabs, NUL and the like)',
          field: 'q',
        },
      ],
    });
    expect((await search('\u202eJazz')).status).toBe(400);
  });
});
