import { requireAuth } from '@ticketing/common';
import { Router } from 'express';
import { findPreferences } from '../models/preferences';

/** GET /api/notifications/preferences: which non-essential emails the caller gets (all, until they change it). */
export const showPreferencesRouter = Router();

showPreferencesRouter.get('/api/notifications/preferences', requireAuth, async (req, res) => {
  res.json(await findPreferences(req.currentUser!.id));
});
