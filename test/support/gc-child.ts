/**
 * A collection in a child process that SIGKILLs itself just before its Nth move or delete
 * (argv: root, N; N = 0 runs to the end). Prints the number of moves and deletes it made.
 */
import { collectGarbage } from '../../src/registry/gc/index.js';
import { HookedDriver } from './hooked-driver.js';

const [root, limitText] = process.argv.slice(2) as [string, string];
const limit = Number(limitText);
const driver = new HookedDriver(root);
let operations = 0;
driver.hook = (_operation, when) => {
  if (when !== 'before') return;
  operations++;
  if (limit > 0 && operations >= limit) process.kill(process.pid, 'SIGKILL');
};
await collectGarbage(driver, { graceMs: 0, untagged: { delete: true, ageMs: 0 } });
process.stdout.write(`${operations}\n`);
