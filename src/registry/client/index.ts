export { RegistryClient, MANIFEST_ACCEPT, type RegistryClientOptions, type RepositoryRef } from './client.js';
export { Authenticator, repositoryScope } from './auth/authenticator.js';
export { parseWwwAuthenticate, type Challenge } from './auth/challenge.js';
export { DockerConfigCredentials, configKey, type Credential, type CredentialStore } from './auth/credentials.js';
export { TokenProvider, type TokenRequest } from './auth/token.js';
export { endpointsFor, isLoopback, type HostOptions } from './hosts.js';
