// Stowage as a library: pull an image into a local store, serve a registry from this process,
// push the image to it and read it back. `node dist/examples/library.js [IMAGE] [STORE]`
// (IMAGE defaults to alpine:3.20, STORE to ./example-store). test/e2e/library-example.test.ts
// runs this file as it is.
import { ImageStore, inspectImage, pull, push, Registry, tag } from 'stowage';

const image = process.argv[2] ?? 'alpine:3.20';
const store = await ImageStore.open(process.argv[3] ?? './example-store');

// 1. docker pull, into the store: progress as typed events.
const pulled = await pull(image, {
  store,
  onProgress: (event) => {
    if (event.type === 'blob-finished') console.log(`${event.outcome} ${event.descriptor.digest}`);
  },
});
console.log(`pulled ${pulled.repoDigest}${pulled.upToDate ? ' (up to date)' : ''}`);

// 2. A registry in this process, in memory, on a free port; `await using` shuts it down.
await using registry = new Registry({ storage: { kind: 'inmemory' }, host: '127.0.0.1', port: 0 });
const { host, port } = await registry.start();

// 3. docker tag + docker push to it, then skopeo inspect of what it serves.
const target = `${host}:${port}/example/app:1`;
await tag(image, target, { store });
const pushed = await push(target, { store });
const seen = await inspectImage(`docker://${target}`, {});
console.log(`pushed ${target} ${pushed.digest}`);
console.log(`served ${seen.summary.Digest} ${seen.summary.Os}/${seen.summary.Architecture} ${seen.summary.Layers.length} layer(s)`);
