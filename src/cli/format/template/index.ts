import { StowageError } from '../../../errors/error.js';
import { execute, TemplateExecError } from './exec.js';
import { BUILTINS, DOCKER_FUNCTIONS, FUNCTION_NAMES, HEADER_FUNCTIONS } from './funcs.js';
import { parseTemplate, TemplateSyntaxError, type Tree } from './parser.js';
import type { Val } from './values.js';

/**
 * Go's text/template with docker's functions, as `--format` templates run in the docker CLI.
 *
 * Hand-written: of the npm packages that implement Go templates in JS, checked Dec 2026,
 * @ctrl/golang-template has no variables, comparisons, len or printf; go-text-template has no
 * if or range; @mdfriday/text-template is minified, obfuscated and UNLICENSED; the others wrap
 * a Go binary. None gives Go's value semantics (nil slices, int64 vs string, struct fields vs
 * map keys), which decide what docker prints.
 */

export interface Template {
  /**
   * Runs the template over a value; a failure is Go's message, as docker prints it. With
   * `header` (a table's header row) docker's header functions apply and a failure is not an
   * error: the output up to it is the header, as docker ignores that Execute's error.
   */
  execute(data: Val, options?: { header?: boolean; missingKeyError?: boolean }): string;
}

export function compile(source: string): Template {
  let tree: Tree;
  try {
    tree = parseTemplate(source, FUNCTION_NAMES);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw templateError(err.message);
    throw err;
  }
  const plain = plainFields(tree);
  return {
    execute(data, options = {}) {
      if (plain && !options.header) {
        const fast = executePlain(plain, data);
        if (fast !== undefined) return fast;
      }
      const funcs = { ...BUILTINS, ...(options.header ? HEADER_FUNCTIONS : DOCKER_FUNCTIONS) };
      try {
        return execute(tree, source, data, { funcs, missingKeyError: options.missingKeyError === true });
      } catch (err) {
        if (err instanceof TemplateExecError) {
          if (options.header) return err.partial;
          throw templateError(err.message, err.unsupported);
        }
        throw err;
      }
    },
  };
}

/** Text, or the name of a `{{.Field}}` action. */
type PlainPart = string | { field: string };

/**
 * The parts of a template made only of text and `{{.Field}}` actions (docker's default tables),
 * else undefined. Such a template over a row of strings is the text and the fields joined:
 * rendering 1,000 `images` rows through the full executor cost ~200 ms of a ~500 ms listing.
 */
function plainFields(tree: Tree): PlainPart[] | undefined {
  const parts: PlainPart[] = [];
  for (const node of tree.root.nodes) {
    if (node.type === 'text') {
      parts.push(node.text);
      continue;
    }
    if (node.type !== 'action' || node.pipe.decl.length > 0 || node.pipe.cmds.length !== 1) return undefined;
    const args = node.pipe.cmds[0]?.args ?? [];
    const arg = args[0];
    if (args.length !== 1 || arg?.type !== 'field' || arg.ident.length !== 1) return undefined;
    parts.push({ field: arg.ident[0] as string });
  }
  return parts;
}

/**
 * A plain template over one of docker's formatter contexts whose fields are all strings, as
 * the full executor would print it; undefined for anything else (a field the type lacks, a
 * value that is not a string), which the executor then runs, with its errors.
 */
function executePlain(parts: PlainPart[], data: Val): string | undefined {
  const type = data.t;
  if (type.k !== 'struct' || !type.methods || data.s !== undefined) return undefined;
  const record = (data.v ?? {}) as Record<string, unknown>;
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const field = type.fields.find((f) => f.name === part.field);
    if (!field || field.embedded || field.type.k !== 'string' || field.type.name !== undefined) return undefined;
    const value = record[field.key ?? field.name] ?? '';
    if (typeof value !== 'string') return undefined;
    out += value;
  }
  return out;
}

/**
 * docker wraps both parse and execution errors as "template parsing error: …". What Go's
 * templates can do and this engine cannot is UNSUPPORTED, so no fallback hides it.
 */
function templateError(message: string, unsupported = false): StowageError {
  return new StowageError(unsupported ? 'UNSUPPORTED' : 'CONFIG_INVALID', `template parsing error: ${message}`);
}

export { TemplateExecError };
