import { nodeString, type Arg, type Command, type Node } from './ast.js';
import { formatValue } from './fmt.js';
import type { Func } from './funcs.js';
import type { Val } from './values.js';

/** The executor's state: variables, the node an error points at, and Go's error text. */

export class TemplateExecError extends Error {
  /** What the template wrote before it failed (docker keeps it for table headers). */
  partial = '';
  /** The template is valid Go but asks for what this engine does not do. */
  unsupported = false;
}

export interface ExecOptions {
  funcs: Record<string, Func>;
  /** missingkey=error (docker's raw inspect fallback): a missing map key fails. */
  missingKeyError?: boolean;
}

/** No value passed down a pipeline (Go's missingVal): distinct from an invalid value. */
export const MISSING: Val = { t: { k: 'invalid' }, v: Symbol('missing') };

export interface Variable {
  name: string;
  value: Val;
}

export abstract class Scope {
  protected node: Node | Arg | Command | undefined;

  constructor(
    protected readonly source: Buffer,
    protected readonly options: ExecOptions,
    protected readonly name: string,
    protected readonly vars: Variable[],
  ) {}

  protected at(node: Node | Arg | Command): void {
    this.node = node;
  }

  protected fail(message: string, unsupported = false): never {
    const name = JSON.stringify(this.name);
    if (this.node === undefined) throw new TemplateExecError(`template: ${this.name}: ${message}`);
    const pos = this.node.pos;
    const before = this.source.subarray(0, pos);
    const newline = before.lastIndexOf(0x0a);
    const line = 1 + before.toString().split('\n').length - 1;
    const col = newline < 0 ? pos : pos - (newline + 1);
    const err = new TemplateExecError(`template: ${this.name}:${line}:${col}: executing ${name} at <${nodeString(this.node)}>: ${message}`);
    err.unsupported = unsupported;
    throw err;
  }

  protected show(x: Val): string {
    return formatValue(x, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined }, 0);
  }

  protected push(name: string, value: Val): void {
    this.vars.push({ name, value });
  }

  protected setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  protected setTopVar(n: number, value: Val): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  protected varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if ((this.vars[i] as Variable).name === name) return (this.vars[i] as Variable).value;
    this.fail(`undefined variable: ${name}`);
  }
}
