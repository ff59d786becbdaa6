import { dockerRootTransport } from '../dockerroot/transport.js';
import { registerTransport } from '../transport/table.js';

/**
 * Where the library is composed: every transport from outside src/transport registers here,
 * so the CLI, src/index.ts and every operation (each imports this file) see one table. A new
 * transport from another folder is one line here.
 */
registerTransport(dockerRootTransport);

export { dockerRootTransport };
/** The table's text, for help and docs: imported from here, it includes every registered transport. */
export { transportForms, transportHelp, transportMarkdown } from '../transport/table-text.js';
