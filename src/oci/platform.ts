import { StowageError } from '../errors/error.js';
import type { Descriptor, Platform } from './descriptor.js';

/**
 * Platforms as the image index spec names them (image-index.md, "platform"), normalised the
 * way containerd's `platforms` package does, so `linux/arm64` matches an entry that says
 * `arm64` + `v8` and `x86_64` means `amd64`.
 */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

/** `os/arch[/variant]`, e.g. `linux/arm64/v8`. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new StowageError('REFERENCE_INVALID', `invalid platform "${text}": expected os/arch[/variant], e.g. linux/arm64`);
  }
  const [os = '', architecture = '', variant] = parts;
  return normalise(variant ? { os, architecture, variant } : { os, architecture });
}

export function formatPlatform(platform: PlatformSpec | Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The platform of this machine, as a puller would default to it. */
export function hostPlatform(): PlatformSpec {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const os = process.platform === 'win32' ? 'windows' : 'linux';
  return normalise({ os, architecture: arch[process.arch] ?? process.arch });
}

function normalise(platform: PlatformSpec): PlatformSpec {
  const architecture = ARCH_ALIASES[platform.architecture] ?? platform.architecture;
  const variant = platform.variant ?? DEFAULT_VARIANT[architecture];
  return variant ? { os: platform.os, architecture, variant } : { os: platform.os, architecture };
}

export function platformMatches(want: PlatformSpec, have: Platform | undefined): boolean {
  if (!have) return false;
  const a = normalise(want);
  const b = normalise({ os: have.os, architecture: have.architecture, ...(have.variant ? { variant: have.variant } : {}) });
  return a.os === b.os && a.architecture === b.architecture && (a.variant === b.variant || (!a.variant && !b.variant));
}

/** The index entry for a platform; a clear error naming what the index does hold otherwise. */
export function selectPlatform(manifests: Descriptor[], want: PlatformSpec): Descriptor {
  const found = manifests.find((m) => platformMatches(want, m.platform));
  if (found) return found;
  const available = manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform as Platform));
  throw new StowageError(
    'MANIFEST_UNKNOWN',
    `no image for platform ${formatPlatform(want)} in the index (it has: ${available.join(', ') || 'no platform entries'})`,
  );
}
