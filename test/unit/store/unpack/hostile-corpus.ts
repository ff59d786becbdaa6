// A corpus of crafted layer tars, after node-tar's fixtures: each case is a list of entries that
// try to create, modify or delete something outside the target. The tars are built at runtime
// (layer-tars.ts) because several cases need absolute paths of the test's own sandbox.

import type { Member } from './layer-tars.js';
import { dir, file, hardlink, symlink } from './layer-tars.js';

/** The sandbox around the target: everything here but the target is guarded by sentinels. */
export interface Sandbox {
  /** Holds sentinel.txt, outside/file.txt and l1/l2/root (the target). */
  base: string;
  /** base/outside: a directory outside the target, for absolute symlinks. */
  outside: string;
  /** base/sentinel.txt: a file outside the target, for absolute links. */
  sentinel: string;
  /** base/l1/l2/root: deep enough that `../..` still lands inside the guarded sandbox. */
  root: string;
}

export interface HostileCase {
  name: string;
  /** A layer applied first (what a lower layer left behind), if any. */
  lower?: (sandbox: Sandbox) => Member[];
  members: (sandbox: Sandbox) => Member[];
  /** Entry names (as in the tar) that must be in `skipped`; nothing else may be. */
  refused: string[];
  /** The reason given for each refusal must match this. */
  reason?: RegExp;
  /** Paths (relative to the target) that must not exist afterwards. */
  absent?: string[];
  /** Paths (relative to the target) that must be symlinks afterwards. */
  symlinks?: string[];
  /** Paths (relative to the target) that must be regular files with this content afterwards. */
  files?: Record<string, string>;
}

const LONG_DEEP = `${'deep/'.repeat(40)}${'../'.repeat(41)}escape`;
const LONG_OK = `long/${'x'.repeat(150)}/${'y'.repeat(120)}/ok`;

export const hostileCorpus: HostileCase[] = [
  { name: '../escape', members: () => [file('../escape', 'pwned')], refused: ['../escape'], reason: /escapes/ },
  { name: 'a/../../escape', members: () => [file('a/../../escape', 'pwned')], refused: ['a/../../escape'], reason: /escapes/ },
  { name: '/abs/path', members: () => [file('/abs/path', 'pwned')], refused: ['/abs/path'], reason: /absolute/ },
  { name: './../x', members: () => [file('./../x', 'pwned')], refused: ['./../x'], reason: /escapes/ },
  {
    name: 'symlink to an absolute directory, then a file through it',
    members: (s) => [symlink('link', s.outside), file('link/file', 'pwned'), file('link/file.txt', 'pwned')],
    refused: ['link/file', 'link/file.txt'],
    reason: /parent link is a symlink/,
    symlinks: ['link'],
  },
  {
    name: 'symlink dir -> .., then dir/escape',
    members: () => [symlink('dir', '..'), file('dir/escape', 'pwned')],
    refused: ['dir/escape'],
    reason: /symlink/,
    symlinks: ['dir'],
  },
  {
    name: 'symlink chain a -> b, b -> ../.., then writes through both',
    members: () => [symlink('a', 'b'), symlink('b', '../..'), file('a/escape', 'pwned'), file('b/escape', 'pwned'), dir('b/made/')],
    refused: ['a/escape', 'b/escape', 'b/made/'],
    reason: /symlink/,
    symlinks: ['a', 'b'],
  },
  {
    name: 'a lexical .. through a symlink resolves on the name, not on the disk',
    members: (s) => [symlink('s', s.outside), file('s/../s/x', 'pwned'), file('s/../inside.txt', 'inside')],
    refused: ['s/../s/x'],
    reason: /symlink/,
    files: { 'inside.txt': 'inside' },
  },
  {
    name: 'hard links to ../../sentinel.txt and ../../../../etc/passwd',
    members: () => [hardlink('passwd', '../../../sentinel.txt'), hardlink('passwd2', '../../../../../../../../etc/passwd')],
    refused: ['passwd', 'passwd2'],
    reason: /hard link target: path escapes/,
    absent: ['passwd', 'passwd2'],
  },
  {
    name: 'hard links to absolute paths',
    members: (s) => [hardlink('abs-link', s.sentinel), hardlink('etc-passwd', '/etc/passwd')],
    refused: ['abs-link', 'etc-passwd'],
    reason: /hard link target: absolute path/,
    absent: ['abs-link', 'etc-passwd'],
  },
  {
    name: 'hard link to a symlink that points outside',
    members: (s) => [symlink('out', s.sentinel), hardlink('hl', 'out'), file('hl', 'replaced, not through')],
    refused: ['hl'],
    reason: /is a symlink/,
    files: { hl: 'replaced, not through' },
  },
  {
    name: 'hard link through a symlinked parent',
    members: (s) => [symlink('sl', s.outside), hardlink('hl3', 'sl/file.txt')],
    refused: ['hl3'],
    reason: /parent sl is a symlink/,
    absent: ['hl3'],
  },
  {
    name: 'whiteouts that climb out: .wh..., ../.wh.x, sub/../../.wh.sentinel.txt',
    members: () => [file('.wh...'), file('../.wh.x'), file('sub/../../.wh.sentinel.txt'), file('../../.wh.l2')],
    refused: ['.wh...', '../.wh.x', 'sub/../../.wh.sentinel.txt', '../../.wh.l2'],
  },
  {
    name: 'whiteouts through a symlink to outside',
    members: (s) => [symlink('wlink', s.outside), file('wlink/.wh.file.txt'), file('wlink/.wh..wh..opq')],
    refused: ['wlink/.wh.file.txt', 'wlink/.wh..wh..opq'],
    reason: /parent wlink is a symlink/,
  },
  {
    name: 'an opaque whiteout in a lower symlink to outside',
    lower: (s) => [symlink('odir', s.outside)],
    members: () => [file('odir/.wh..wh..opq')],
    refused: ['odir/.wh..wh..opq'],
    reason: /symlink/,
  },
  {
    name: 'a whiteout of a symlink to outside deletes the link only',
    lower: (s) => [symlink('victim', s.outside), symlink('victim-file', s.sentinel)],
    members: () => [file('.wh.victim'), file('.wh.victim-file')],
    refused: [],
    absent: ['victim', 'victim-file'],
  },
  {
    name: 'a file over a lower symlink to outside replaces the link',
    lower: (s) => [symlink('out', s.sentinel)],
    members: () => [file('out', 'mine')],
    refused: [],
    files: { out: 'mine' },
  },
  {
    name: 'a char device, a block device and a fifo (devices off)',
    members: () => [
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
      { name: 'dev/fifo', type: 'fifo' },
    ],
    refused: ['dev/null', 'dev/sda', 'dev/fifo'],
    reason: /not created/,
    absent: ['dev/null', 'dev/sda', 'dev/fifo'],
  },
  {
    name: 'a NUL in the name',
    members: () => [
      { name: 'nul\0/../../escape', data: 'pwned', pax: true },
      { name: 'trunc\0ated', data: 'pwned', pax: true },
    ],
    refused: ['nul\0/../../escape', 'trunc\0ated'],
    reason: /NUL/,
    absent: ['nul', 'trunc'],
  },
  {
    name: 'a directory replaced by a symlink, then written beneath',
    members: (s) => [dir('d/'), file('d/before', 'fine'), symlink('d', s.outside), file('d/file.txt', 'pwned'), dir('d/sub/')],
    refused: ['d/file.txt', 'd/sub/'],
    reason: /parent d is a symlink/,
    symlinks: ['d'],
  },
  {
    name: 'a very long pax path with .. inside',
    members: () => [file(LONG_DEEP, 'pwned'), file(LONG_OK, 'fine')],
    refused: [LONG_DEEP],
    reason: /escapes/,
    files: { [LONG_OK]: 'fine' },
  },
];
