import type { FastifyRequest } from 'fastify';
import type { Digest } from '../../digest/digest.js';
import { newEventId, type EventAction, type EventDescriptor, type EventTarget, type RegistryEvent } from '../notify/index.js';
import { grantOf } from './auth/hook.js';

/** Where events go (the Notifier): writes wait until the event is on disk; reads do not. */
export interface EventPublisher {
  publish(event: RegistryEvent): Promise<void>;
  publishInBackground(event: RegistryEvent): void;
}

/** What every event of this server carries besides the request. */
export interface EventContext {
  publisher: EventPublisher;
  /** distribution's SourceRecord: this registry instance (`host:port`, an ID new at each start). */
  source: { addr: string; instanceID: string };
  /** `notifications.events.includereferences`: manifest events list what the manifest references. */
  includeReferences: boolean;
  /** This server's origin as origin.ts decides it (http.host, trusted proxies): event URLs, never the Host header. */
  origin: (request: FastifyRequest) => string;
}

/** A blob's type in distribution's events: the blob store knows no better (it is what Stat answers). */
const BLOB_TYPE = 'application/octet-stream';

/**
 * distribution's events for one request (its notifications/bridge.go): a manifest pushed,
 * pulled or deleted, a tag deleted, a blob pushed, pulled, mounted or deleted. An event for a
 * write is durable in every endpoint's queue before the write is answered, so a crash after
 * the client heard "201" cannot lose it; a pull's event is queued without holding the
 * response (a HEAD, which transfers nothing, sends none).
 */
export class RequestEvents {
  constructor(
    private readonly context: EventContext,
    private readonly request: FastifyRequest,
  ) {}

  async manifestPushed(repository: string, manifest: ManifestFacts, tags: string[]): Promise<void> {
    const target = this.manifestTarget(repository, manifest);
    const events = tags.length ? tags.map((tag) => this.event('push', { ...target, tag })) : [this.event('push', target)];
    await Promise.all(events.map((event) => this.context.publisher.publish(event)));
  }

  manifestPulled(repository: string, manifest: ManifestFacts, tag: string | undefined): void {
    const target = this.manifestTarget(repository, manifest);
    this.context.publisher.publishInBackground(this.event('pull', tag ? { ...target, tag } : target));
  }

  manifestDeleted(repository: string, digest: Digest): Promise<void> {
    return this.context.publisher.publish(this.event('delete', { repository, digest: digest.toString() }));
  }

  /** distribution's TagDeleted: a delete event naming the tag, no digest. */
  tagDeleted(repository: string, tag: string): Promise<void> {
    return this.context.publisher.publish(this.event('delete', { repository, tag }));
  }

  blobPushed(repository: string, digest: Digest, size: number): Promise<void> {
    return this.context.publisher.publish(this.event('push', this.blobTarget(repository, digest, size)));
  }

  blobPulled(repository: string, digest: Digest, size: number): void {
    this.context.publisher.publishInBackground(this.event('pull', this.blobTarget(repository, digest, size)));
  }

  blobMounted(repository: string, digest: Digest, size: number, fromRepository: string): Promise<void> {
    return this.context.publisher.publish(this.event('mount', { ...this.blobTarget(repository, digest, size), fromRepository }));
  }

  blobDeleted(repository: string, digest: Digest): Promise<void> {
    return this.context.publisher.publish(this.event('delete', { repository, digest: digest.toString() }));
  }

  private manifestTarget(repository: string, manifest: ManifestFacts): EventTarget {
    const digest = manifest.digest.toString();
    return {
      mediaType: manifest.mediaType,
      digest,
      size: manifest.bytes.length,
      length: manifest.bytes.length,
      repository,
      url: `${this.context.origin(this.request)}/v2/${repository}/manifests/${digest}`,
      ...(this.context.includeReferences ? { references: referencesOf(manifest.bytes) } : {}),
    };
  }

  private blobTarget(repository: string, digest: Digest, size: number): EventTarget {
    const text = digest.toString();
    return { mediaType: BLOB_TYPE, digest: text, size, length: size, repository, url: `${this.context.origin(this.request)}/v2/${repository}/blobs/${text}` };
  }

  private event(action: EventAction, target: EventTarget): RegistryEvent {
    const request = this.request;
    const identity = grantOf(request)?.identity;
    const host = request.headers.host ?? request.headers[':authority'];
    return {
      id: newEventId(),
      timestamp: new Date().toISOString(),
      action,
      target,
      request: {
        id: request.id,
        addr: remoteAddr(request),
        // Informational, as distribution sends it: the URL above never comes from it.
        ...(typeof host === 'string' ? { host } : {}),
        method: request.method,
        useragent: request.headers['user-agent'] ?? '',
      },
      actor: identity?.kind === 'user' ? { name: identity.name } : {},
      source: this.context.source,
    };
  }
}

/** What a manifest event needs of a manifest. */
export interface ManifestFacts {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

/** The client's address: `ip:port` on a direct connection, the forwarded address behind a trusted proxy. */
function remoteAddr(request: FastifyRequest): string {
  const socket = request.raw.socket;
  return request.ip === socket?.remoteAddress && socket.remotePort !== undefined ? `${request.ip}:${socket.remotePort}` : request.ip;
}

/** A manifest's references as distribution's Manifest.References() lists them: config and layers, or an index's manifests. */
function referencesOf(bytes: Buffer): EventDescriptor[] {
  let json: { config?: unknown; layers?: unknown; manifests?: unknown };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch {
    return [];
  }
  const list = [json.config, ...(Array.isArray(json.layers) ? json.layers : []), ...(Array.isArray(json.manifests) ? json.manifests : [])];
  return list.flatMap((entry) => {
    if (!entry || typeof entry !== 'object') return [];
    const { mediaType, digest, size } = entry as Record<string, unknown>;
    if (typeof digest !== 'string') return [];
    return [{ ...(typeof mediaType === 'string' ? { mediaType } : {}), digest, ...(typeof size === 'number' ? { size } : {}) }];
  });
}
