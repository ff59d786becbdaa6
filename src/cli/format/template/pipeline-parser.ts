import type { Arg, Command, Pipe, VariableNode } from './ast.js';
import type { Token } from './lexer.js';
import { parseNumber } from './literals.js';
import { TokenStream } from './tokens.js';

/**
 * Pipelines, commands and operands (parse.go pipeline, command, operand, term), with the
 * variables in scope: a `$x` not declared is "undefined variable", a function not known at
 * parse time is "function … not defined", as in Go.
 */
export class PipelineParser extends TokenStream {
  protected vars: string[] = ['$'];

  constructor(
    tokens: Token[],
    private readonly functions: ReadonlySet<string>,
  ) {
    super(tokens);
  }

  protected pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const start = this.peekNonSpace();
    const pipe: Pipe = { type: 'pipe', pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(token.type)) {
        this.backup();
        pipe.cmds.push(this.command());
      } else this.unexpected(token, context);
    }
  }

  /** `$x :=`, `$x =`, and range's `$i, $v :=`; a variable not followed by one is an operand. */
  protected declarations(pipe: Pipe, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') return;
      const mark = this.index;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.value] });
        this.vars.push(v.value);
        return;
      }
      if (next.type === 'char' && next.value === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.value] });
        this.vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().type;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue;
          this.fail('range can only initialize variables');
        }
        this.fail(`too many declarations in ${context}`);
      }
      this.index = mark;
      return;
    }
  }

  protected checkPipeline(pipe: Pipe, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0]?.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.fail(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  protected command(): Command {
    const cmd: Command = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  protected operand(): Arg | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().value.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(
          `unexpected . after term ${JSON.stringify(node.type === 'string' ? node.quoted : node.type === 'number' ? node.text : node.type === 'bool' ? String(node.value) : node.type === 'nil' ? 'nil' : '.')}`,
        );
      // falls through: fail never returns
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  protected term(): Arg | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!this.functions.has(token.value)) this.fail(`function ${JSON.stringify(token.value)} not defined`);
        return { type: 'identifier', pos: token.pos, name: token.value };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        return this.useVar(token);
      case 'field':
        return { type: 'field', pos: token.pos, ident: [token.value.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.value === 'true' };
      case 'charConstant':
      case 'number':
        try {
          return parseNumber(token.pos, token.value, token.type === 'charConstant');
        } catch (err) {
          this.fail((err as Error).message);
        }
      // falls through: fail never returns
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: token.pos, quoted: token.value, text: this.unquote(token.value) };
      default:
        this.backup();
        return undefined;
    }
  }

  protected useVar(token: Token): VariableNode {
    if (!this.vars.includes(token.value)) this.fail(`undefined variable ${JSON.stringify(token.value)}`);
    return { type: 'variable', pos: token.pos, ident: [token.value] };
  }
}
