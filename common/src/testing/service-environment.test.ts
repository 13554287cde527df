import mongoose from 'mongoose';
import { startServiceTestEnvironment } from './service-environment';

describe('startServiceTestEnvironment', () => {
  it('connects mongoose and a bus with the stream provisioned, clears data, and stops everything', async () => {
    const environment = await startServiceTestEnvironment({ redis: true });
    try {
      const Thing = mongoose.model('Thing', new mongoose.Schema({ name: { type: String, unique: true } }));
      await Thing.init();
      await Thing.create({ name: 'a' });
      expect(environment.bus.isConnected()).toBe(true);
      const streams = await (await environment.bus.jetstreamManager()).streams.names().next();
      expect(streams).toContain('TICKETING');
      expect(environment.redis?.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

      await environment.clearDatabase();
      expect(await Thing.countDocuments()).toBe(0);
      await expect(Thing.create([{ name: 'b' }, { name: 'b' }])).rejects.toMatchObject({ code: 11000 });
    } finally {
      await environment.stop();
    }
    expect(mongoose.connection.readyState).toBe(mongoose.ConnectionStates.disconnected);
    expect(environment.bus.isConnected()).toBe(false);
  });
});
