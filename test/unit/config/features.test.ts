/**
 * Stowage's `features` section: `automaticcrossmount` turns on the spec's automatic content
 * discovery for `POST ?mount=` without `from` (off by default); REGISTRY_FEATURES_AUTOMATICCROSSMOUNT
 * sets it too; a misspelt feature is an error, not a feature silently left off.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServeConfig } from '../../../src/config/serve-config.js';

describe('serve configuration: features', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-features-'))));
  after(async () => rm(dir, { recursive: true, force: true }));
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('automatic cross-mounting is off by default, on with features.automaticcrossmount or the environment', async () => {
    assert.equal((await loadServeConfig(undefined, {}, {})).automaticCrossMount, false);
    const on = await file('on.yml', 'storage:\n  inmemory: {}\nfeatures:\n  automaticcrossmount: true\n');
    assert.equal((await loadServeConfig(on, {}, {})).automaticCrossMount, true);
    assert.equal((await loadServeConfig(undefined, {}, { REGISTRY_FEATURES_AUTOMATICCROSSMOUNT: 'true' })).automaticCrossMount, true);
    assert.equal((await loadServeConfig(on, {}, { REGISTRY_FEATURES_AUTOMATICCROSSMOUNT: 'false' })).automaticCrossMount, false);
  });

  it('an unknown feature or a value that is not a boolean is CONFIG_INVALID naming it', async () => {
    const typo = await file('typo.yml', 'features:\n  automaticcrosmount: true\n');
    await assert.rejects(loadServeConfig(typo, {}, {}), { code: 'CONFIG_INVALID', message: /features/ });
    const text = await file('text.yml', 'features:\n  automaticcrossmount: "yes"\n');
    await assert.rejects(loadServeConfig(text, {}, {}), { code: 'CONFIG_INVALID', message: /features\.automaticcrossmount/ });
  });
});
