// Bundles the CLI with esbuild: Node 20's ESM loader pays per file, and the unbundled `pull`
// spent ~370 ms of ~870 ms loading modules. Dynamic imports stay separate chunks (--splitting),
// so each verb still loads only what it uses.
//
// `serve` is bundled on its own (dist/bundle/serve/): sharing chunks with the client verbs put
// classic zod, fastify's helpers and zod's locales into chunks that `pull` and `inspect` load.
import { build } from 'esbuild';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

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
  // Whitespace and syntax only (names stay, for stack traces): V8 keeps every loaded chunk's
  // source in the heap, and parses it at start-up; serve's bundle went from 3.4 to 2.3 MB.
  minifyWhitespace: true,
  minifySyntax: true,
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
// The layer-size measuring thread (src/store/layer-sizes.ts) is an entry of its own, beside main.
await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts', 'layer-size-worker': 'src/store/layer-size-worker.ts' },
  outdir: 'dist/bundle',
  plugins: [serveApart],
});
await build({ ...common, entryPoints: ['src/cli/serve.ts'], outdir: 'dist/bundle/serve' });
await refuseNamedImportsOfCommonJs('dist/bundle');

/**
 * A CommonJS package loaded with `import()` becomes a chunk whose one export is `default`
 * (module.exports). Node's own loader also offers the package's named exports, so
 * `const { MultiBar } = await import('cli-progress')` works unbundled and is undefined here: the
 * installed bin crashed on every terminal that way. Such a read fails the build; read `default`.
 */
async function refuseNamedImportsOfCommonJs(dir) {
  const files = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
  const texts = new Map(await Promise.all(files.map(async (name) => [name, await readFile(join(dir, name), 'utf8')])));
  const defaultOnly = new Set(
    [...texts]
      .filter(([, text]) => /(^|[\n;}])export default require_[\w$]+\(\);\s*$/.test(text) && !/(^|[\n;}])export ?\{/.test(text))
      .map(([name]) => basename(name)),
  );
  const problems = [];
  for (const [name, text] of texts) {
    for (const match of text.matchAll(/\{([^{}]*)\}\s*=\s*await import\("([^"]+)"\)/g)) {
      if (!defaultOnly.has(basename(match[2]))) continue;
      const named = match[1]
        .split(',')
        .map((part) => part.split(':')[0].trim())
        .filter((n) => n !== '' && n !== 'default');
      if (named.length > 0)
        problems.push(`${name}: { ${named.join(', ')} } from ${match[2]}, a CommonJS module (only its default export exists in the bundle)`);
    }
  }
  if (problems.length > 0) throw new Error(`named imports of CommonJS modules through import():\n  ${problems.join('\n  ')}`);
}
