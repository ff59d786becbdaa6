import { argString, type Arg, type Command } from './ast.js';
import { CallError, unwrapNil } from './errors.js';
import { PARAM_TYPES, paramTypeName, type Param } from './funcs.js';
import { Evaluator } from './evaluate.js';
import { MISSING } from './scope.js';
import { ANY, BOOL, INT, INVALID, STRING, indirect, truth, typeName, type Val } from './values.js';

/**
 * Function calls (exec.go evalCall, evalArg, validateType): the argument count and each
 * argument's type checked against the function's Go parameters, literals read as the
 * parameter wants them, and/or evaluated lazily, a failure as "error calling NAME: …".
 */
export abstract class Caller extends Evaluator {
  protected evalCall(dot: Val, name: string, node: Command | Arg, args: Arg[], final: Val): Val {
    const f = this.options.funcs[name];
    if (f === undefined) this.fail(`${JSON.stringify(name)} is not a defined function`);
    const actual = args.slice(1);
    const numIn = actual.length + (final !== MISSING ? 1 : 0);
    const numFixed = f.params.length;
    if (f.variadic !== undefined) {
      if (numIn < numFixed) this.fail(`wrong number of args for ${name}: want at least ${numFixed} got ${actual.length}`);
    } else if (numIn !== numFixed) this.fail(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    if (name === 'and' || name === 'or') {
      let v: Val = INVALID;
      for (const arg of actual) {
        v = unwrapNil(this.evalArg(dot, 'value', arg));
        if (truth(v).truth === (name === 'or')) return v;
      }
      if (final !== MISSING) v = unwrapNil(final);
      return v;
    }
    const paramAt = (i: number): Param => (i < numFixed ? (f.params[i] as Param) : (f.variadic as Param));
    const argv = actual.map((arg, i) => this.evalArg(dot, paramAt(i), arg));
    if (final !== MISSING) argv.push(this.validateType(final, paramAt(numIn - 1)));
    try {
      return f.call(argv, actual.map(argString));
    } catch (err) {
      if (!(err instanceof CallError)) throw err;
      this.at(node);
      this.fail(`error calling ${name}: ${err.message}`);
    }
  }

  protected evalArg(dot: Val, param: Param | undefined, n: Arg): Val {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, param);
      case 'nil':
        if (param === 'any') return { t: ANY, v: null };
        if (param === 'strings') return { t: PARAM_TYPES.strings, v: null };
        this.fail(`cannot assign nil to ${paramTypeName(param ?? 'value')}`);
      // falls through: fail never returns
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING), param);
      case 'variable':
        return this.validateType(this.evalVariable(dot, n, [n], MISSING), param);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), param);
      case 'identifier':
        return this.validateType(this.evalCall(dot, n.name, n, [n], MISSING), param);
      case 'chain':
        return this.validateType(this.evalChain(dot, n, [], MISSING), param);
    }
    switch (param) {
      case 'string':
        if (n.type === 'string') return { t: STRING, v: n.text };
        this.fail(`expected string; found ${argString(n)}`);
      // falls through: fail never returns
      case 'int':
        if (n.type === 'number' && n.isInt) return { t: INT, v: n.int };
        this.fail(`expected integer; found ${argString(n)}`);
      // falls through: fail never returns
      case 'strings':
        this.fail(`can't handle ${argString(n)} for arg of type []string`);
      // falls through: fail never returns
      default:
        if (n.type === 'bool') return { t: BOOL, v: n.value };
        if (n.type === 'string') return { t: STRING, v: n.text };
        return this.idealConstant(n);
    }
  }

  /** Go's validateType: is the value assignable to the parameter (one pointer deref allowed)? */
  protected validateType(value: Val, param: Param | undefined): Val {
    if (param === undefined || param === 'value') return value;
    if (value.t.k === 'invalid') {
      if (param === 'any') return { t: ANY, v: null };
      if (param === 'strings') return { t: PARAM_TYPES.strings, v: null };
      this.fail(`invalid value; expected ${paramTypeName(param)}`);
    }
    if (param === 'any') return value;
    const ok = (x: Val): boolean => {
      if (param === 'string') return x.t.k === 'string' && x.t.name === undefined;
      if (param === 'int') return x.t.k === 'int' && x.t.name === 'int';
      return x.t.k === 'slice' && x.t.elem.k === 'string' && x.t.elem.name === undefined;
    };
    if (ok(value)) return value;
    if (value.t.k === 'ptr') {
      const inner = indirect(value);
      if (inner.isNil) this.fail(`dereference of nil pointer of type ${paramTypeName(param)}`);
      if (ok(inner.value)) return inner.value;
    }
    this.fail(`wrong type for value; expected ${paramTypeName(param)}; got ${typeName(value.t)}`);
  }
}
