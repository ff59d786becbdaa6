import { defineDriver } from '../definition.js';
import { MemoryDriver } from './driver.js';

/**
 * `storage.inmemory`, distribution's name for it: nothing survives the process. It takes no
 * keys, and accepts (ignores) any, as distribution's does.
 */
export const memoryDriver = defineDriver({
  name: 'inmemory',
  options: (): Record<never, never> => ({}),
  create: () => new MemoryDriver(),
  describe: () => 'in memory (lost on exit)',
});
