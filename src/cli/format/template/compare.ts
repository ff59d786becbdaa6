import { formatValue } from './fmt.js';
import { CallError, unwrapNil } from './errors.js';
import { intOf, isNil, typeName, type Val } from './values.js';

/**
 * Go's comparison builtins (text/template/funcs.go eq, lt): basic kinds compare within a kind
 * (ints with uints), anything else is "incompatible types for comparison"; eq takes several
 * right-hand values, and nil compares equal only to nil.
 */

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(x: Val): Kind {
  const k = x.t.k;
  return k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string' ? k : 'invalid';
}

function num(x: Val): number {
  return x.t.k === 'float' ? (x.v as number) : Number(intOf(x));
}

export function eq(arg1: Val, rest: Val[]): boolean {
  const a = unwrapNil(arg1);
  if (rest.length === 0) throw new CallError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const raw of rest) {
    const b = unwrapNil(raw);
    const k2 = basicKind(b);
    let same = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') same = intOf(a) >= 0n && intOf(a) === intOf(b);
      else if (k1 === 'uint' && k2 === 'int') same = intOf(b) >= 0n && intOf(a) === intOf(b);
      else if (a.t.k !== 'invalid' && b.t.k !== 'invalid') throw new CallError('incompatible types for comparison');
    } else if (k1 === 'int' || k1 === 'uint') same = intOf(a) === intOf(b);
    else if (k1 === 'float') same = num(a) === num(b);
    else if (k1 === 'bool' || k1 === 'string') same = a.v === b.v;
    else {
      if (a.t.k !== b.t.k && a.t.k !== 'invalid' && b.t.k !== 'invalid') {
        throw new CallError(`non-comparable types ${show(a)}: ${typeName(a.t)}, ${typeName(b.t)}: ${show(b)}`);
      }
      if (isNil(a) || isNil(b)) same = isNil(a) === isNil(b);
      else if (b.t.k === 'slice' || b.t.k === 'map') throw new CallError(`non-comparable type ${show(b)}: ${typeName(b.t)}`);
      else same = JSON.stringify(a.v) === JSON.stringify(b.v);
    }
    if (same) return true;
  }
  return false;
}

export function lt(arg1: Val, arg2: Val): boolean {
  const a = unwrapNil(arg1);
  const b = unwrapNil(arg2);
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new CallError('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return intOf(a) < 0n || intOf(a) < intOf(b);
    if (k1 === 'uint' && k2 === 'int') return intOf(b) >= 0n && intOf(a) < intOf(b);
    throw new CallError('incompatible types for comparison');
  }
  if (k1 === 'bool') throw new CallError('invalid type for comparison');
  if (k1 === 'string') return Buffer.compare(Buffer.from(a.v as string), Buffer.from(b.v as string)) < 0;
  if (k1 === 'float') return num(a) < num(b);
  return intOf(a) < intOf(b);
}

function show(x: Val): string {
  return formatValue(x, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined }, 0);
}
