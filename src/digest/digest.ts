import { createHash } from 'node:crypto';
import { StowageError } from '../errors/error.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

// OCI image-spec descriptor.md, "Digests": algorithm ":" encoded.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HEX = /^[a-f0-9]+$/;

/** A validated content digest such as `sha256:<64 hex>`. Only registered algorithms are accepted. */
export class Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;

  private constructor(algorithm: DigestAlgorithm, hex: string) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /** Parses and validates; throws DIGEST_INVALID for anything that is not a supported digest. */
  static parse(value: string): Digest {
    if (typeof value !== 'string' || value.length > 200 || !DIGEST_GRAMMAR.test(value)) {
      throw new StowageError('DIGEST_INVALID', `invalid digest: ${truncate(value)}`);
    }
    const colon = value.indexOf(':');
    const algorithm = value.slice(0, colon);
    const hex = value.slice(colon + 1);
    if (!isSupportedAlgorithm(algorithm)) {
      throw new StowageError('DIGEST_INVALID', `unsupported digest algorithm: ${truncate(algorithm)}`);
    }
    if (hex.length !== ENCODED_LENGTH[algorithm] || !HEX.test(hex)) {
      throw new StowageError('DIGEST_INVALID', `invalid ${algorithm} digest: ${truncate(value)}`);
    }
    return new Digest(algorithm, hex);
  }

  static fromHex(algorithm: DigestAlgorithm, hex: string): Digest {
    return Digest.parse(`${algorithm}:${hex}`);
  }

  static isValid(value: string): boolean {
    try {
      Digest.parse(value);
      return true;
    } catch {
      return false;
    }
  }

  /** The digest of a buffer already in memory (manifests, configs: small by construction). */
  static of(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
    return new Digest(algorithm, createHash(algorithm).update(data).digest('hex'));
  }

  equals(other: Digest): boolean {
    return this.algorithm === other.algorithm && this.hex === other.hex;
  }

  toString(): string {
    return `${this.algorithm}:${this.hex}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export function isSupportedAlgorithm(value: string): value is DigestAlgorithm {
  return value === 'sha256' || value === 'sha512';
}

function truncate(value: unknown): string {
  const s = String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
