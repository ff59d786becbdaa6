import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';
import { readAll, runDriverSuite } from './driver-suite.js';

runDriverSuite('inmemory', async () => ({ driver: new MemoryDriver(), cleanup: async () => undefined }));

describe('MemoryDriver', () => {
  it('hands out copies, so callers cannot change stored bytes', async () => {
    const driver = new MemoryDriver();
    await driver.putContent('/f', Buffer.from('stored'));
    (await driver.getContent('/f')).fill(0);
    for await (const chunk of await driver.reader('/f')) (chunk as Buffer).fill(0);
    assert.equal((await driver.getContent('/f')).toString(), 'stored');
  });

  it('keeps a reader on the content it opened while the file is appended to', async () => {
    const driver = new MemoryDriver();
    const writer = await driver.writer('/f', false);
    await writer.write(Buffer.from('abc'));
    const reader = await driver.reader('/f');
    await writer.write(Buffer.from('def'));
    await writer.commit();
    assert.equal((await readAll(reader)).toString(), 'abc');
  });
});
