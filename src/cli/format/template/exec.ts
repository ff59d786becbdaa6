import type { List, Node, VariableNode } from './ast.js';
import { Caller } from './call.js';
import { unwrapNil } from './errors.js';
import type { Tree } from './parser.js';
import { TemplateExecError, type ExecOptions, type Variable } from './scope.js';
import { INT, INVALID, STRING, indirect, intOf, isNil, mapEntries, sliceItems, truth, type Val } from './values.js';

export { TemplateExecError, type ExecOptions } from './scope.js';

/**
 * Go's text/template executor (text/template/exec.go) over typed values: the same walk, the
 * same argument checks, variables, range/break/continue, and errors in Go's words with Go's
 * position ("template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type …").
 */

const MAX_DEPTH = 1000;

class Break {}
class Continue {}

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

class State extends Caller {
  out = '';

  constructor(
    private readonly tree: Tree,
    source: Buffer,
    options: ExecOptions,
    name: string,
    vars: Variable[],
    private readonly depth: number,
  ) {
    super(source, options, name, vars);
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
        this.walkRange(dot, node);
        return;
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

  private printValue(node: Node, value: Val): void {
    this.at(node);
    if (value.t.k === 'invalid') {
      this.out += '<no value>';
      return;
    }
    const shown = value.t.k === 'ptr' && !isNil(value) ? indirect(value).value : value;
    this.out += this.show(shown);
  }
}
