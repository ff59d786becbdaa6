import { join } from 'node:path';
import { ImageStore } from '../../../src/store/store.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { writeImageLayout } from '../../support/oci-layout.js';
import { runSourceConformance } from '../../support/source-conformance.js';
import { tempDir } from './names.js';

// The local store as push and save read it: an image pulled in from a layout (the store holds
// one platform's image, never an index).
runSourceConformance('local store', async () => {
  const dir = await tempDir('conformance-store');
  const image = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'conformance-store', tag: 'v1' });
  const store = await ImageStore.open(join(dir, 'root'));
  const sink = await store.sink({ tags: ['example.com/conformance:v1'], repoDigests: [`example.com/conformance@${image.digest}`] });
  try {
    await copyImage(await OciLayoutSource.open(join(dir, 'src'), 'v1'), sink);
  } finally {
    await sink.close();
  }
  return { kind: 'image', digest: image.digest, open: async () => store.source(await store.resolve('example.com/conformance:v1')) };
});
