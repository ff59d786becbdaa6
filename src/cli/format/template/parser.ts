import type { Arg, Command, List, Node, Pipe, VariableNode } from './ast.js';
import { lex, type Token } from './lexer.js';
import { parseNumber, unquote } from './literals.js';

/**
 * Go's text/template parser (text/template/parse/parse.go), statement for statement: actions
 * and pipelines with declarations (`$x :=`, `$x =`, `$i, $v :=` in range), if / else if /
 * else, with / else with, range / else, break, continue, define, template and block. Errors
 * read as Go's: "template: :1: function \"foo\" not defined".
 */

export interface Tree {
  root: List;
  /** Templates from {{define}} and {{block}}. */
  defined: Map<string, List>;
}

export class TemplateSyntaxError extends Error {}

export function parseTemplate(source: string, functions: ReadonlySet<string>): Tree {
  const parser = new Parser(lex(source), functions);
  return parser.parse();
}

class Parser {
  private index = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private current: Token;
  private readonly defined = new Map<string, List>();

  constructor(private readonly tokens: Token[], private readonly functions: ReadonlySet<string>) {
    this.current = tokens[0] as Token;
  }

  parse(): Tree {
    const root: List = { pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const mark = this.index;
        this.next();
        const word = this.nextNonSpace();
        if (word.type === 'keyword' && word.value === 'define') {
          this.parseDefinition();
          continue;
        }
        this.index = mark;
      }
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') this.fail(`unexpected {{${node.type}}}`);
      root.nodes.push(node as Node);
    }
    return { root, defined: this.defined };
  }

  // --- tokens ---

  private next(): Token {
    const token = this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
    if (this.index < this.tokens.length) this.index++;
    this.current = token;
    return token;
  }

  private backup(n = 1): void {
    this.index -= n;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private nextNonSpace(): Token {
    let token = this.next();
    while (token.type === 'space') token = this.next();
    return token;
  }

  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  private fail(message: string): never {
    throw new TemplateSyntaxError(`template: :${this.current.line}: ${message}`);
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === 'error') this.fail(token.value);
    this.fail(`unexpected ${tokenString(token)} in ${context}`);
  }

  private expect(type: Token['type'], context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  // --- statements ---

  private textOrAction(): Node | { type: 'end' | 'else'; pos: number; line: number } {
    const token = this.nextNonSpace();
    if (token.type === 'text') return { type: 'text', pos: token.pos, text: token.value };
    if (token.type === 'leftDelim') return this.action();
    this.unexpected(token, 'input');
  }

  private itemList(): { list: List; next: { type: 'end' | 'else'; pos: number; line: number } } {
    const list: List = { pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') return { list, next: node as { type: 'end' | 'else'; pos: number; line: number } };
      list.nodes.push(node as Node);
    }
    this.fail('unexpected EOF');
  }

  private action(): Node | { type: 'end' | 'else'; pos: number; line: number } {
    const token = this.nextNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'block':
          return this.blockControl();
        case 'break':
        case 'continue':
          return this.loopControl(token);
        case 'else':
          return this.elseControl();
        case 'end':
          return { type: 'end', pos: this.expect('rightDelim', 'end').pos, line: token.line };
        case 'if':
        case 'range':
        case 'with':
          return this.control(token.value);
        case 'template':
          return this.templateControl();
      }
    }
    this.backup();
    const start = this.peek();
    return { type: 'action', pos: start.pos, line: start.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(token: Token): Node {
    const after = this.nextNonSpace();
    if (after.type !== 'rightDelim') this.unexpected(after, `{{${token.value}}}`);
    if (this.rangeDepth === 0) this.fail(`{{${token.value}}} outside {{range}}`);
    return { type: token.value as 'break' | 'continue', pos: token.pos, line: token.line };
  }

  private elseControl(): { type: 'else'; pos: number; line: number } {
    const peek = this.peekNonSpace();
    // "{{else if …}}" / "{{else with …}}": the if/with is left for control() to read.
    if (peek.type === 'keyword' && (peek.value === 'if' || peek.value === 'with')) return { type: 'else', pos: peek.pos, line: peek.line };
    const token = this.expect('rightDelim', 'else');
    return { type: 'else', pos: token.pos, line: token.line };
  }

  private control(kind: 'if' | 'range' | 'with'): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const { list, next } = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: List | undefined;
    if (next.type === 'else') {
      const peek = this.peek();
      if (kind !== 'range' && peek.type === 'keyword' && peek.value === kind) {
        // {{if a}}…{{else if b}}…{{end}} is {{if a}}…{{else}}{{if b}}…{{end}}{{end}}.
        this.next();
        elseList = { pos: next.pos, nodes: [this.control(kind)] };
      } else {
        const rest = this.itemList();
        if (rest.next.type !== 'end') this.fail(`expected end; found {{${rest.next.type}}}`);
        elseList = rest.list;
      }
    }
    this.vars.length = mark;
    return { type: kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  private templateName(context: string): Token & { name: string } {
    const token = this.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    return { ...token, name: this.unquote(token.value) };
  }

  private templateControl(): Node {
    const token = this.templateName('template clause');
    let pipe: Pipe | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', pos: token.pos, line: token.line, name: token.name, pipe };
  }

  private blockControl(): Node {
    const token = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    const outer = this.vars;
    this.vars = ['$'];
    const { list, next } = this.itemList();
    if (next.type !== 'end') this.fail(`unexpected {{${next.type}}} in block clause`);
    this.vars = outer;
    this.defined.set(token.name, list);
    return { type: 'template', pos: token.pos, line: token.line, name: token.name, pipe };
  }

  private parseDefinition(): void {
    const token = this.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, 'define clause');
    const name = this.unquote(token.value);
    this.expect('rightDelim', 'define clause');
    const outer = this.vars;
    this.vars = ['$'];
    const { list, next } = this.itemList();
    if (next.type !== 'end') this.fail(`unexpected {{${next.type}}} in define clause`);
    this.vars = outer;
    this.defined.set(name, list);
  }

  // --- pipelines ---

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
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
  private declarations(pipe: Pipe, context: string): void {
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

  private checkPipeline(pipe: Pipe, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0]?.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.fail(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): Command {
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

  private operand(): Arg | undefined {
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
        this.fail(`unexpected . after term ${JSON.stringify(node.type === 'string' ? node.quoted : node.type === 'number' ? node.text : node.type === 'bool' ? String(node.value) : node.type === 'nil' ? 'nil' : '.')}`);
      // falls through: fail never returns
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): Arg | undefined {
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

  private useVar(token: Token): VariableNode {
    if (!this.vars.includes(token.value)) this.fail(`undefined variable ${JSON.stringify(token.value)}`);
    return { type: 'variable', pos: token.pos, ident: [token.value] };
  }

  private unquote(quoted: string): string {
    try {
      return unquote(quoted);
    } catch (err) {
      this.fail((err as Error).message);
    }
  }
}

/** Go's item.String(), as its "unexpected …" messages print a token. */
function tokenString(token: Token): string {
  if (token.type === 'eof') return 'EOF';
  if (token.type === 'error') return token.value;
  // Go's keyword items include dot and nil: they print as <.> and <nil>.
  if (token.type === 'keyword' || token.type === 'dot' || token.type === 'nil') return `<${token.value}>`;
  if ([...token.value].length > 10) return `${JSON.stringify([...token.value].slice(0, 10).join(''))}...`;
  return JSON.stringify(token.value);
}
