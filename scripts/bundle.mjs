// Bundles the CLI with esbuild: Node 20's ESM loader pays per file, and the unbundled `pull`
// spent ~370 ms of ~870 ms loading modules. Dynamic imports stay separate chunks (--splitting),
// so each verb still loads only what it uses.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies (undici, fastify, commander) call require(); ESM output needs one.
  banner: { js: "import { createRequire as __stowageRequire } from 'node:module'; const require = __stowageRequire(import.meta.url);" },
  logLevel: 'warning',
});
