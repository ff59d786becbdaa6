import type { List, Node, Pipe } from './ast.js';
import { lex, type Token } from './lexer.js';
import { PipelineParser } from './pipeline-parser.js';

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

export { TemplateSyntaxError } from './tokens.js';

export function parseTemplate(source: string, functions: ReadonlySet<string>): Tree {
  const parser = new Parser(lex(source), functions);
  return parser.parse();
}

type EndOrElse = { type: 'end' | 'else'; pos: number; line: number };

class Parser extends PipelineParser {
  private rangeDepth = 0;
  private readonly defined = new Map<string, List>();

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

  private textOrAction(): Node | EndOrElse {
    const token = this.nextNonSpace();
    if (token.type === 'text') return { type: 'text', pos: token.pos, text: token.value };
    if (token.type === 'leftDelim') return this.action();
    this.unexpected(token, 'input');
  }

  private itemList(): { list: List; next: EndOrElse } {
    const list: List = { pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const node = this.textOrAction();
      if (node.type === 'end' || node.type === 'else') return { list, next: node as EndOrElse };
      list.nodes.push(node as Node);
    }
    this.fail('unexpected EOF');
  }

  private action(): Node | EndOrElse {
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
}
