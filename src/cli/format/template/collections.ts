import { CallError, unwrapNil } from './errors.js';
import { INT, byteLength, indirect, intOf, mapEntries, mapGet, sliceItems, typeName, val, zero, type Val } from './values.js';

/**
 * Go's index, slice and len builtins (text/template/funcs.go), with their messages; index ==
 * len passes Go's range check and fails in reflect ("reflect: slice index out of range"), as
 * docker prints for `{{index .RepoDigests 0}}` of an image without digests.
 */

/** indexArg: an int index within [0, cap]; Go lets index == len through to reflect's panic. */
function indexArg(index: Val, cap: number): number {
  const i = unwrapNil(index);
  if (i.t.k === 'invalid') throw new CallError('cannot index slice/array with nil');
  if (i.t.k !== 'int' && i.t.k !== 'uint') throw new CallError(`cannot index slice/array with type ${typeName(i.t)}`);
  const x = intOf(i);
  if (x < 0n || x > BigInt(cap)) throw new CallError(`index out of range: ${x}`);
  return Number(x);
}

export function index(item: Val, indexes: Val[]): Val {
  let current = unwrapNil(item);
  if (current.t.k === 'invalid') throw new CallError('index of untyped nil');
  for (const raw of indexes) {
    const { value, isNil: nil } = indirect(current);
    if (nil) throw new CallError('index of nil pointer');
    current = value;
    if (current.t.k === 'slice') {
      const items = sliceItems(current);
      const x = indexArg(raw, items.length);
      if (x === items.length) throw new CallError('reflect: slice index out of range');
      current = items[x] as Val;
    } else if (current.t.k === 'string') {
      const bytes = Buffer.from(current.v as string);
      const x = indexArg(raw, bytes.length);
      if (x === bytes.length) throw new CallError('reflect: string index out of range');
      current = { t: { k: 'uint', name: 'uint8' }, v: BigInt(bytes[x] as number) };
    } else if (current.t.k === 'map') {
      const key = unwrapNil(raw);
      if (key.t.k === 'invalid') throw new CallError('value is nil; should be of type string');
      if (key.t.k !== 'string' || key.t.name !== undefined) throw new CallError(`value has type ${typeName(key.t)}; should be string`);
      current = mapGet(current, key.v as string) ?? val(current.t.elem, zero(current.t.elem));
    } else throw new CallError(`can't index item of type ${typeName(current.t)}`);
  }
  return current;
}

export function sliceOf(item: Val, indexes: Val[]): Val {
  const x = unwrapNil(item);
  if (x.t.k === 'invalid') throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  let length: number;
  if (x.t.k === 'string') {
    if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
    length = byteLength(x.v as string);
  } else if (x.t.k === 'slice') length = sliceItems(x).length;
  else throw new CallError(`can't slice item of type ${typeName(x.t)}`);
  const idx = [0, length, length];
  indexes.forEach((i, n) => {
    idx[n] = indexArg(i, length);
  });
  const [from, to, max] = idx as [number, number, number];
  if (from > to) throw new CallError(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) throw new CallError(`invalid slice index: ${to} > ${max}`);
  if (x.t.k === 'string')
    return {
      t: x.t,
      v: Buffer.from(x.v as string)
        .subarray(from, to)
        .toString(),
    };
  return { t: x.t, v: (x.v as unknown[]).slice(from, to) };
}

export function length(item: Val): Val {
  const { value, isNil: nil } = indirect(item);
  if (nil) throw new CallError('len of nil pointer');
  switch (value.t.k) {
    case 'string':
      return { t: INT, v: BigInt(byteLength(value.v as string)) };
    case 'slice':
      return { t: INT, v: BigInt(sliceItems(value).length) };
    case 'map':
      return { t: INT, v: BigInt(mapEntries(value).length) };
    case 'invalid':
      throw new CallError('reflect: call of reflect.Value.Type on zero Value');
    default:
      throw new CallError(`len of type ${typeName(value.t)}`);
  }
}
