import module from 'node:module';

/**
 * Node 22.1+ keeps V8's compiled code of each module in a cache directory (the OS temp dir's
 * node-compile-cache unless NODE_COMPILE_CACHE says where; NODE_DISABLE_COMPILE_CACHE turns it
 * off), so the chunks a verb loads are not parsed and compiled again on every run. Node 20 has
 * no such call. A cache that cannot be written leaves the run as it was.
 */
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
