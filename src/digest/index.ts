export { Digest, isSupportedAlgorithm, type DigestAlgorithm } from './digest.js';
export { Digester } from './digester.js';
