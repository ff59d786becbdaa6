import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedSizes } from '../../../src/catalog/shared-layers.js';

describe('sharedSizes: docker system df SHARED SIZE', () => {
  const images = [
    {
      id: 'a',
      layers: [
        { key: 'l1', size: 100 },
        { key: 'l2', size: 10 },
      ],
    },
    {
      id: 'b',
      layers: [
        { key: 'l1', size: 100 },
        { key: 'l3', size: 5 },
      ],
    },
    // A second record of image a (another manifest, the same config): still one image.
    {
      id: 'a',
      layers: [
        { key: 'l1', size: 100 },
        { key: 'l2', size: 10 },
      ],
    },
    { id: 'c', layers: [{ key: 'l4', size: 1 }] },
  ];

  it('a layer is shared when more than one image, by ID, stands on it', () => {
    assert.deepEqual(
      sharedSizes(
        images,
        (i) => i.id,
        (i) => i.layers,
      ),
      [100, 100, 100, 0],
    );
  });
});
