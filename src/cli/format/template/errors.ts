import { INVALID, isNil, type Val } from './values.js';

/** A builtin's failure; the executor reports it as Go does: "error calling NAME: …". */
export class CallError extends Error {}

/** reflect's indirectInterface: a nil interface is no value at all. */
export function unwrapNil(x: Val): Val {
  return x.t.k === 'iface' && isNil(x) ? INVALID : x;
}
