// Bundles the CLI with esbuild: Node 20's ESM loader pays per file, and the unbundled `pull`
// spent ~370 ms of ~870 ms loading modules. Dynamic imports stay separate chunks (--splitting),
// so each verb still loads only what it uses.
//
// `serve` is bundled on its own (dist/bundle/serve/): sharing chunks with the client verbs put
// classic zod, fastify's helpers and zod's locales into chunks that `pull` and `inspect` load.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies (undici, fastify, commander) call require(); ESM output needs one.
  banner: { js: "import { createRequire as __stowageRequire } from 'node:module'; const require = __stowageRequire(import.meta.url);" },
  logLevel: 'warning',
};

/** In the CLI build, `import('./serve.js')` points at the separate serve bundle. */
const serveApart = {
  name: 'serve-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/serve\.js$/ }, (args) =>
      args.importer.endsWith('/src/cli/main.ts') ? { path: './serve/serve.mjs', external: true } : undefined,
    );
  },
};

await rm('dist/bundle', { recursive: true, force: true });
await build({ ...common, entryPoints: ['src/cli/main.ts'], outdir: 'dist/bundle', plugins: [serveApart] });
await build({ ...common, entryPoints: ['src/cli/serve.ts'], outdir: 'dist/bundle/serve' });
