import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import '../../../src/ops/transports.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { parseImageName } from '../../../src/transport/image-name.js';
import { openSource } from '../../../src/transport/open.js';
import type { ImageSource } from '../../../src/transport/types.js';
import { noCredentials } from '../../support/credentials.js';

// The conformance tests open their sources by name, through the transport table, as `stowage
// copy` does: the table's parsing and opening are then part of what each one checks.

let client: RegistryClient | undefined;
const dirs: string[] = [];
after(async () => {
  await client?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

export function openName(name: string): Promise<ImageSource> {
  client ??= new RegistryClient({ credentials: noCredentials });
  return openSource(parseImageName(name), { client });
}

/** A temp directory, removed after the file's tests. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `stowage-${label}-`));
  dirs.push(dir);
  return dir;
}
