/**
 * A small PKI for the token tests, made with the openssl CLI (Node can verify certificates but
 * not issue them): a root CA, an intermediate CA under it, a signing certificate under each,
 * and a self-signed stranger the registry does not trust.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Issued {
  pem: string;
  key: KeyObject;
  /** The certificate as jwt.md's `x5c` wants it: base64 (not base64url) DER. */
  x5c: string;
}

export interface TestPki {
  root: Issued;
  intermediate: Issued;
  /** Signed by the root. */
  signer: Issued;
  /** Signed by the intermediate. */
  chained: Issued;
  /** Self-signed, in no bundle. */
  stranger: Issued;
  /** A PEM file holding the root only: `auth.token.rootcertbundle`. */
  bundlePath: string;
}

export async function makePki(dir: string): Promise<TestPki> {
  const caExt = join(dir, 'ca.ext');
  const leafExt = join(dir, 'leaf.ext');
  await writeFile(caExt, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n');
  await writeFile(leafExt, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  const root = await selfSigned(dir, 'root', 'Stowage Test Root');
  const intermediate = await issue(dir, 'intermediate', 'Stowage Test Intermediate', 'root', caExt);
  const signer = await issue(dir, 'signer', 'token signer', 'root', leafExt);
  const chained = await issue(dir, 'chained', 'chained token signer', 'intermediate', leafExt);
  const stranger = await selfSigned(dir, 'stranger', 'Not Trusted');
  const bundlePath = join(dir, 'bundle.pem');
  await writeFile(bundlePath, root.pem);
  return { root, intermediate, signer, chained, stranger, bundlePath };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSigned(dir: string, name: string, cn: string): Promise<Issued> {
  await exec('openssl', ['req', '-x509', ...EC, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '3650', '-subj', `/CN=${cn}`]);
  return load(dir, name);
}

async function issue(dir: string, name: string, cn: string, by: string, ext: string): Promise<Issued> {
  await exec('openssl', ['req', ...EC, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', `/CN=${cn}`]);
  await exec('openssl', [
    'x509',
    '-req',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, `${by}.pem`),
    '-CAkey',
    join(dir, `${by}.key`),
    '-CAcreateserial',
    '-out',
    join(dir, `${name}.pem`),
    '-days',
    '365',
    '-extfile',
    ext,
  ]);
  return load(dir, name);
}

async function load(dir: string, name: string): Promise<Issued> {
  const pem = await readFile(join(dir, `${name}.pem`), 'utf8');
  const key = createPrivateKey(await readFile(join(dir, `${name}.key`), 'utf8'));
  const x5c = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return { pem, key, x5c };
}
