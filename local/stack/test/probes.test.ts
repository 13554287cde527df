// Free ports for the stack's components: picked long before their servers bind them, so a port
// the system offers twice must still go to one component only.
import { portPicker } from '../src/probes';

const HOST = '127.0.0.1';

test('a picker never hands out the same port twice, whatever the system offers again', async () => {
  const pickPorts = portPicker(HOST);
  const ports: number[] = [];
  // One at a time, as the stack asks per component: the system offers a port it offered before
  // once it is closed again, which over hundreds of picks it does (birthday odds over the range).
  for (let pick = 0; pick < 400; pick++) ports.push(...(await pickPorts(1)));
  expect(new Set(ports).size).toBe(400);
});

test('a picker skips the ports it is told are taken', async () => {
  const taken: number[] = [];
  const first = portPicker(HOST);
  for (let pick = 0; pick < 300; pick++) taken.push(...(await first(1)));
  const pickPorts = portPicker(HOST, taken);
  const ports = await pickPorts(300);
  for (let pick = 0; pick < 100; pick++) ports.push(...(await pickPorts(1)));
  expect(ports).toHaveLength(400);
  expect(new Set(ports).size).toBe(400);
  expect(ports.filter((port) => taken.includes(port))).toEqual([]);
});
