import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Options } from './options.js';

/** The SDK module, loaded on first use: a registry on another driver never pays for it. */
export type Sdk = typeof import('@aws-sdk/client-s3');

export interface Connection {
  sdk: Sdk;
  client: S3Client;
}

/**
 * A module loaded with import(), named exports included: the SDK's packages are CommonJS, and in
 * the bundle (scripts/bundle.mjs) such a package's chunk has module.exports as its one, default
 * export, where Node's own loader also offers the names. The installed `serve` answered 500 to
 * every S3 request ("NodeHttpHandler is not a constructor") until this.
 */
export function commonJs<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

/** `host:port` or a URL; a bare host gets the scheme `secure` asks for (distribution's rule). */
export function endpointUrl(options: Pick<S3Options, 'regionEndpoint' | 'secure'>): string | undefined {
  const endpoint = options.regionEndpoint;
  if (!endpoint) return undefined;
  return /^https?:\/\//i.test(endpoint) ? endpoint : `${options.secure ? 'https' : 'http'}://${endpoint}`;
}

/**
 * One client per driver, with keep-alive sockets. Checksums only where S3 requires them: the
 * SDK's default (a CRC32 trailer on every upload, checked on every download) is refused by
 * RGW 16.2 and other S3-compatible stores, and Stowage checks digests itself as bytes pass.
 */
export async function connect(options: S3Options): Promise<Connection> {
  // On Node 20 the SDK prints seven lines about its own future releases needing Node 22 on the
  // first request: news for whoever upgrades the SDK (package.json), not for the operator.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [sdk, { NodeHttpHandler }] = await Promise.all([import('@aws-sdk/client-s3').then(commonJs), import('@smithy/node-http-handler').then(commonJs)]);
  const sockets = { keepAlive: true, maxSockets: 256 };
  const endpoint = endpointUrl(options);
  const client = new sdk.S3Client({
    region: options.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    useDualstackEndpoint: options.useDualStack,
    useAccelerateEndpoint: options.accelerate,
    maxAttempts: options.maxAttempts,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
    ...(options.accessKey && options.secretKey
      ? {
          credentials: {
            accessKeyId: options.accessKey,
            secretAccessKey: options.secretKey,
            ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
          },
        }
      : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(sockets),
      httpsAgent: new HttpsAgent({ ...sockets, rejectUnauthorized: !options.skipVerify }),
      connectionTimeout: 10_000,
    }),
  });
  return { sdk, client };
}
