import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withResources } from '../../../src/ops/resources.js';

/** A resource that records its closing in `log`, and fails to close when told to. */
function resource(name: string, log: string[], fails = false): { close(): Promise<void> } {
  return {
    async close() {
      log.push(name);
      if (fails) throw new Error(`${name} did not close`);
    },
  };
}

describe('withResources: what an operation opens, closed as nested finally blocks would', () => {
  it("closes last opened first and returns the body's result", async () => {
    const log: string[] = [];
    const result = await withResources(async (scope) => {
      scope.own(resource('client', log));
      scope.own(resource('source', log));
      scope.defer(() => void log.push('discard'));
      scope.own(resource('sink', log));
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(log, ['sink', 'discard', 'source', 'client']);
  });

  it("a failing body: everything is still closed, and the body's own error is thrown", async () => {
    const log: string[] = [];
    const failure = new Error('copy failed');
    await assert.rejects(
      withResources(async (scope) => {
        scope.own(resource('source', log));
        scope.own(resource('sink', log));
        throw failure;
      }),
      (err) => err === failure,
    );
    assert.deepEqual(log, ['sink', 'source']);
  });

  it('a failing close: the others still close, and its error replaces the one before it, as a throwing finally does', async () => {
    const log: string[] = [];
    await assert.rejects(
      withResources(async (scope) => {
        scope.own(resource('source', log));
        scope.own(resource('sink', log, true));
        throw new Error('copy failed');
      }),
      { message: 'sink did not close' },
    );
    assert.deepEqual(log, ['sink', 'source']);
  });
});
