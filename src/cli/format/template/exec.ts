import { argString, nodeString, type Arg, type Command, type List, type Node, type NumberNode, type Pipe, type VariableNode } from './ast.js';
import { formatValue } from './fmt.js';
import { CallError, PARAM_TYPES, paramTypeName, unwrapNil, type Func, type Param } from './funcs.js';
import type { Tree } from './parser.js';
import { timeMethod } from './time.js';
import { ANY, BOOL, FLOAT64, INT, INVALID, STRING, fieldValue, indirect, intOf, isNil, lookupField, mapEntries, mapGet, sliceItems, truth, typeName, type Val } from './values.js';

/**
 * Go's text/template executor (text/template/exec.go) over typed values: the same walk, the
 * same argument checks, variables, range/break/continue, and errors in Go's words with Go's
 * position ("template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type …").
 */

export class TemplateExecError extends Error {
  /** What the template wrote before it failed (docker keeps it for table headers). */
  partial = '';
}

export interface ExecOptions {
  funcs: Record<string, Func>;
  /** missingkey=error (docker's raw inspect fallback): a missing map key fails. */
  missingKeyError?: boolean;
}

const MISSING: Val = { t: { k: 'invalid' }, v: Symbol('missing') };
const MAX_DEPTH = 1000;

class Break {}
class Continue {}

interface Variable {
  name: string;
  value: Val;
}

export function execute(tree: Tree, source: string, data: Val, options: ExecOptions): string {
  const state = new State(tree, Buffer.from(source), options, '', [{ name: '$', value: data }], 0);
  try {
    state.walk(data, tree.root);
  } catch (err) {
    if (err instanceof TemplateExecError) err.partial = state.out;
    throw err;
  }
  return state.out;
}

class State {
  out = '';
  private node: Node | Arg | Command | undefined;

  constructor(
    private readonly tree: Tree,
    private readonly source: Buffer,
    private readonly options: ExecOptions,
    private readonly name: string,
    private readonly vars: Variable[],
    private readonly depth: number,
  ) {}

  private at(node: Node | Arg | Command): void {
    this.node = node;
  }

  private fail(message: string): never {
    const name = JSON.stringify(this.name);
    if (this.node === undefined) throw new TemplateExecError(`template: ${this.name}: ${message}`);
    const pos = this.node.pos;
    const before = this.source.subarray(0, pos);
    const newline = before.lastIndexOf(0x0a);
    const line = 1 + before.toString().split('\n').length - 1;
    const col = newline < 0 ? pos : pos - (newline + 1);
    throw new TemplateExecError(`template: ${this.name}:${line}:${col}: executing ${name} at <${nodeString(this.node)}>: ${message}`);
  }

  walk(dot: Val, list: List): void {
    for (const node of list.nodes) this.walkNode(dot, node);
  }

  private walkNode(dot: Val, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (truth(unwrapNil(value)).truth) this.walk(node.type === 'with' ? value : dot, node.list);
        else if (node.elseList) this.walk(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, node);
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
      case 'template': {
        const list = this.tree.defined.get(node.name);
        if (list === undefined) this.fail(`template ${JSON.stringify(node.name)} not defined`);
        if (this.depth >= MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
        const data = node.pipe ? this.evalPipeline(dot, node.pipe) : INVALID;
        const inner = new State(this.tree, this.source, this.options, node.name, [{ name: '$', value: data }], this.depth + 1);
        inner.walk(data, list);
        this.out += inner.out;
        return;
      }
    }
  }

  private walkRange(dot: Val, node: Node & { type: 'if' | 'with' | 'range' }): void {
    const outer = this.vars.length;
    const value = indirect(this.evalPipeline(dot, node.pipe)).value;
    const mark = this.vars.length;
    const decl = node.pipe.decl;
    const one = (index: Val, elem: Val): void => {
      if (decl.length > 0) {
        if (node.pipe.isAssign) this.setVar((decl[0] as VariableNode).ident[0] as string, decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (node.pipe.isAssign) this.setVar((decl[1] as VariableNode).ident[0] as string, elem);
        else this.setTopVar(2, index);
      }
      try {
        this.walk(elem, node.list);
      } catch (err) {
        if (!(err instanceof Continue)) throw err;
      } finally {
        this.vars.length = mark;
      }
    };
    let ran = false;
    try {
      switch (value.t.k) {
        case 'slice':
          sliceItems(value).forEach((elem, i) => {
            ran = true;
            one({ t: INT, v: BigInt(i) }, elem);
          });
          break;
        case 'map':
          for (const [key, elem] of mapEntries(value)) {
            ran = true;
            one({ t: STRING, v: key }, elem);
          }
          break;
        case 'int':
        case 'uint': {
          if (decl.length > 1) this.fail(`can't use ${this.show(value)} to iterate over more than one variable`);
          for (let i = 0n; i < intOf(value); i++) {
            ran = true;
            one(INVALID, { t: value.t, v: i });
          }
          break;
        }
        case 'invalid':
          break;
        default:
          this.fail(`range can't iterate over ${this.show(value)}`);
      }
    } catch (err) {
      if (!(err instanceof Break)) throw err;
      ran = true;
    }
    if (!ran && node.elseList) this.walk(dot, node.elseList);
    this.vars.length = outer;
  }

  private show(x: Val): string {
    return formatValue(x, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined }, 0);
  }

  private printValue(node: Node, value: Val): void {
    this.at(node);
    if (value.t.k === 'invalid') {
      this.out += '<no value>';
      return;
    }
    const shown = value.t.k === 'ptr' && !isNil(value) ? indirect(value).value : value;
    this.out += this.show(shown);
  }

  // --- variables ---

  private push(name: string, value: Val): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Val): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  private varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if ((this.vars[i] as Variable).name === name) return (this.vars[i] as Variable).value;
    this.fail(`undefined variable: ${name}`);
  }

  // --- pipelines and commands ---

  private evalPipeline(dot: Val, pipe: Pipe): Val {
    this.at(pipe);
    let value = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go: an interface{} result is replaced by what it holds; nil holds nothing.
      if (value.t.k === 'iface') value = INVALID;
      else if (value.s !== undefined) value = { t: value.t, v: value.v };
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] as string, value);
      else this.push(v.ident[0] as string, value);
    }
    return value;
  }

  private evalCommand(dot: Val, cmd: Command, final: Val): Val {
    const first = cmd.args[0] as Arg;
    switch (first.type) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        this.at(first);
        return this.evalCall(dot, first.name, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return { t: BOOL, v: first.value };
      case 'dot':
        return dot;
      case 'nil':
        this.fail('nil is not a command');
      // falls through: fail never returns
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return { t: STRING, v: first.text };
    }
  }

  private notAFunction(args: Arg[], final: Val): void {
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${argString(args[0] as Arg)}`);
  }

  private idealConstant(n: NumberNode): Val {
    this.at(n);
    const hexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.isChar && /[.eEpP]/.test(n.text)) return { t: FLOAT64, v: n.float };
    if (n.isInt) return { t: INT, v: n.int };
    if (n.isUint) this.fail(`${n.text} overflows int`);
    return INVALID;
  }

  private evalVariable(dot: Val, v: VariableNode, args: Arg[], final: Val): Val {
    this.at(v);
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalChain(dot: Val, chain: Extract<Arg, { type: 'chain' }>, args: Arg[], final: Val): Val {
    this.at(chain);
    if (chain.node.type === 'nil') this.fail(`indirection through explicit nil in ${argString(chain)}`);
    const base = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, base, chain, chain.field, args, final);
  }

  private evalFieldChain(dot: Val, receiver: Val, node: Arg, ident: string[], args: Arg[], final: Val): Val {
    let current = receiver;
    for (let i = 0; i < ident.length - 1; i++) current = this.evalField(ident[i] as string, node, [], MISSING, current);
    return this.evalField(ident[ident.length - 1] as string, node, args, final, current);
  }

  private evalField(name: string, node: Arg, args: Arg[], final: Val, receiver: Val): Val {
    if (receiver.t.k === 'invalid') {
      if (this.options.missingKeyError) this.fail(`nil data; no entry for key ${JSON.stringify(name)}`);
      return INVALID;
    }
    const type = receiver.s ?? receiver.t;
    const { value, isNil: nil } = indirect(receiver);
    if (value.t.k === 'iface' && nil) this.fail(`nil pointer evaluating ${typeName(type)}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (value.t.k === 'struct') {
      const field = lookupField(value.t, name);
      if (field) {
        if (value.t.methods) {
          if (hasArgs) this.fail(`wrong number of args for ${name}: want 0 got ${args.length - 1 + (final !== MISSING ? 1 : 0)}`);
        } else if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        return fieldValue(value, field);
      }
    } else if (value.t.k === 'time') {
      const result = timeMethod(String(value.v), name);
      if (result) {
        if (hasArgs) this.fail(`wrong number of args for ${name}: want 0 got ${args.length - 1 + (final !== MISSING ? 1 : 0)}`);
        return result;
      }
    } else if (value.t.k === 'map') {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      const found = mapGet(value, name);
      if (found !== undefined) return found;
      if (this.options.missingKeyError) this.fail(`map has no entry for key ${JSON.stringify(name)}`);
      return INVALID;
    } else if (value.t.k === 'ptr' && nil) {
      const elem = value.t.elem;
      if (elem.k !== 'struct' || lookupField(elem, name)) this.fail(`nil pointer evaluating ${typeName(type)}.${name}`);
    }
    this.fail(`can't evaluate field ${name} in type ${typeName(type)}`);
  }

  private evalCall(dot: Val, name: string, node: Command | Arg, args: Arg[], final: Val): Val {
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

  private evalArg(dot: Val, param: Param | undefined, n: Arg): Val {
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
  private validateType(value: Val, param: Param | undefined): Val {
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
