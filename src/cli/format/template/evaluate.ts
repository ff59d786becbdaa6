import { argString, type Arg, type Command, type NumberNode, type Pipe, type VariableNode } from './ast.js';
import type { Param } from './funcs.js';
import { MISSING, Scope } from './scope.js';
import { timeMethod, UNSUPPORTED_TIME_METHODS } from './time.js';
import { BOOL, FLOAT64, INT, INVALID, STRING, fieldValue, indirect, lookupField, mapGet, typeName, type Val } from './values.js';

/**
 * Pipelines, commands, variables and field chains (exec.go evalPipeline … evalField): a
 * struct field is a method or field by name (a missing one is "can't evaluate field"), a map
 * key is `<no value>` when missing (an error with missingkey=error), and an interface{} result
 * is replaced by what it holds.
 */
export abstract class Evaluator extends Scope {
  protected abstract evalCall(dot: Val, name: string, node: Command | Arg, args: Arg[], final: Val): Val;
  protected abstract evalArg(dot: Val, param: Param | undefined, n: Arg): Val;

  protected evalPipeline(dot: Val, pipe: Pipe): Val {
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

  protected evalCommand(dot: Val, cmd: Command, final: Val): Val {
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

  protected notAFunction(args: Arg[], final: Val): void {
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${argString(args[0] as Arg)}`);
  }

  protected idealConstant(n: NumberNode): Val {
    this.at(n);
    const hexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.isChar && /[.eEpP]/.test(n.text)) return { t: FLOAT64, v: n.float };
    if (n.isInt) return { t: INT, v: n.int };
    if (n.isUint) this.fail(`${n.text} overflows int`);
    return INVALID;
  }

  protected evalVariable(dot: Val, v: VariableNode, args: Arg[], final: Val): Val {
    this.at(v);
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  protected evalChain(dot: Val, chain: Extract<Arg, { type: 'chain' }>, args: Arg[], final: Val): Val {
    this.at(chain);
    if (chain.node.type === 'nil') this.fail(`indirection through explicit nil in ${argString(chain)}`);
    const base = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, base, chain, chain.field, args, final);
  }

  protected evalFieldChain(_dot: Val, receiver: Val, node: Arg, ident: string[], args: Arg[], final: Val): Val {
    let current = receiver;
    for (let i = 0; i < ident.length - 1; i++) current = this.evalField(ident[i] as string, node, [], MISSING, current);
    return this.evalField(ident[ident.length - 1] as string, node, args, final, current);
  }

  protected evalField(name: string, _node: Arg, args: Arg[], final: Val, receiver: Val): Val {
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
      if (UNSUPPORTED_TIME_METHODS.has(name)) this.fail(`time.Time method ${name} is not supported`, true);
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
}
