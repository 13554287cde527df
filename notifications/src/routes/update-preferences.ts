import { requireAuth, validateRequest } from '@ticketing/common';
import { Router } from 'express';
import { body, matchedData } from 'express-validator';
import { updatePreferences, type Preferences } from '../models/preferences';

const LABELS: Record<keyof Preferences, string> = {
  ticketSold: 'Ticket sold',
  reservationExpired: 'Reservation expired',
  welcome: 'Welcome',
};

/** An optional body field that must be a JSON boolean: "true" or 1 is refused rather than guessed at. */
function booleanField(name: keyof Preferences) {
  return body(name)
    .optional()
    .custom((value) => typeof value === 'boolean')
    .withMessage(`${LABELS[name]} must be true or false`);
}

/**
 * PUT /api/notifications/preferences: turns the caller's non-essential emails on or off; any subset of
 * the three, the others keep their value. Answers with all of them.
 */
export const updatePreferencesRouter = Router();

updatePreferencesRouter.put(
  '/api/notifications/preferences',
  requireAuth,
  booleanField('ticketSold'),
  booleanField('reservationExpired'),
  booleanField('welcome'),
  validateRequest,
  async (req, res) => {
    const changes = matchedData<Partial<Preferences>>(req, { locations: ['body'] });
    res.json(await updatePreferences(req.currentUser!.id, changes));
  },
);
