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
  return {
    execute(data, options = {}) {
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

/**
 * docker wraps both parse and execution errors as "template parsing error: …". What Go's
 * templates can do and this engine cannot is UNSUPPORTED, so no fallback hides it.
 */
function templateError(message: string, unsupported = false): StowageError {
  return new StowageError(unsupported ? 'UNSUPPORTED' : 'CONFIG_INVALID', `template parsing error: ${message}`);
}

export { TemplateExecError };
