/**
 * The parse tree of a Go template (text/template/parse/node.go). `pos` is a byte offset into
 * the source: execution errors print it as Go does ("template: :1:2: executing ...").
 * `nodeString` gives each node's text as Go's Node.String() does, for those messages.
 */

export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; line: number; pipe: Pipe }
  | { type: 'if' | 'with' | 'range'; pos: number; line: number; pipe: Pipe; list: List; elseList: List | undefined }
  | { type: 'template'; pos: number; line: number; name: string; pipe: Pipe | undefined }
  | { type: 'break' | 'continue'; pos: number; line: number };

export interface List {
  pos: number;
  nodes: Node[];
}

export interface Pipe {
  type: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: Command[];
}

export interface Command {
  type: 'command';
  pos: number;
  args: Arg[];
}

export interface VariableNode {
  type: 'variable';
  pos: number;
  /** `$x.A.B` is ['$x', 'A', 'B']. */
  ident: string[];
}

export type Arg =
  | { type: 'field'; pos: number; ident: string[] }
  | VariableNode
  | { type: 'chain'; pos: number; node: Arg; field: string[] }
  | { type: 'identifier'; pos: number; name: string }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | NumberNode
  | { type: 'string'; pos: number; quoted: string; text: string }
  | Pipe;

export interface NumberNode {
  type: 'number';
  pos: number;
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  int: bigint;
  float: number;
  /** A character constant ('a'): an int, printed as its text. */
  isChar: boolean;
}

function pipeString(pipe: Pipe): string {
  let s = '';
  if (pipe.decl.length > 0) s = `${pipe.decl.map(argString).join(', ')} ${pipe.isAssign ? '=' : ':='} `;
  return s + pipe.cmds.map(commandString).join(' | ');
}

function commandString(cmd: Command): string {
  return cmd.args.map((arg) => (arg.type === 'pipe' ? `(${pipeString(arg)})` : argString(arg))).join(' ');
}

export function argString(arg: Arg): string {
  switch (arg.type) {
    case 'field':
      return arg.ident.map((f) => `.${f}`).join('');
    case 'variable':
      return arg.ident.join('.');
    case 'chain': {
      const inner = arg.node.type === 'pipe' ? `(${pipeString(arg.node)})` : argString(arg.node);
      return inner + arg.field.map((f) => `.${f}`).join('');
    }
    case 'identifier':
      return arg.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(arg.value);
    case 'number':
      return arg.text;
    case 'string':
      return arg.quoted;
    case 'pipe':
      return pipeString(arg);
  }
}

/** Node.String() for the statement nodes an error can point at. */
export function nodeString(node: Node | Arg | Command): string {
  switch (node.type) {
    case 'command':
      return commandString(node);
    case 'text':
      return node.text;
    case 'action':
      return `{{${pipeString(node.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range':
      return `{{${node.type} ${pipeString(node.pipe)}}}`;
    case 'template':
      return node.pipe ? `{{template ${JSON.stringify(node.name)} ${pipeString(node.pipe)}}}` : `{{template ${JSON.stringify(node.name)}}}`;
    case 'break':
    case 'continue':
      return `{{${node.type}}}`;
    default:
      return argString(node);
  }
}
