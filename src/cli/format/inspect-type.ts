import { ANY, BOOL, INT, INT64, STRING, STRINGS, TIME, map, ptr, type GoType, type StructType } from './template/values.js';

/**
 * The Go type docker 28's CLI decodes `image inspect` into (moby api/types/image
 * InspectResponse), so `--format` templates see what they see in docker: `{{.Config.Cmd}}` of
 * a missing Cmd prints `[]`, `{{.Size}}` is an int64 (`%s` of it is `%!s(int64=…)`), and
 * `{{.Metadata.LastTagTime}}` is a time.Time. Field values come from our JSON-shaped inspect
 * objects (the JSON names are the keys); what the type lacks (`.Id`, our `Stowage` section)
 * is found by docker's fallback to the raw JSON (see renderInspect). `{{json .}}` is this type
 * re-encoded, as in docker: fields it lacks are left out, `omitempty` ones when empty.
 */

const struct = (name: string, fields: StructType['fields']): StructType => ({ k: 'struct', name, fields });
const field = (name: string, type: GoType, key?: string) => (key === undefined ? { name, type } : { name, type, key });
/** A `json:",omitempty"` field. */
const omit = (name: string, type: GoType, key?: string) => ({ ...field(name, type, key), omit: true });

const EMPTY_STRUCT: GoType = struct('struct {}', []);

// Durations (time.Duration) are held as their nanoseconds.
const HEALTH_CONFIG = struct('container.HealthConfig', [
  omit('Test', STRINGS),
  omit('Interval', INT64),
  omit('Timeout', INT64),
  omit('StartPeriod', INT64),
  omit('StartInterval', INT64),
  omit('Retries', INT),
]);

const IMAGE_CONFIG = struct('v1.ImageConfig', [
  omit('User', STRING),
  omit('ExposedPorts', map(EMPTY_STRUCT)),
  omit('Env', STRINGS),
  omit('Entrypoint', STRINGS),
  omit('Cmd', STRINGS),
  omit('Volumes', map(EMPTY_STRUCT)),
  omit('WorkingDir', STRING),
  omit('Labels', map(STRING)),
  omit('StopSignal', STRING),
  omit('ArgsEscaped', BOOL),
]);

const CONFIG_EXT = struct('v1.DockerOCIImageConfigExt', [omit('Healthcheck', ptr(HEALTH_CONFIG)), omit('OnBuild', STRINGS), omit('Shell', STRINGS)]);

/** The deprecated ContainerConfig (moby api/types/container.Config). */
const CONTAINER_CONFIG = struct('container.Config', [
  field('Hostname', STRING),
  field('Domainname', STRING),
  field('User', STRING),
  field('AttachStdin', BOOL),
  field('AttachStdout', BOOL),
  field('AttachStderr', BOOL),
  omit('ExposedPorts', map(EMPTY_STRUCT)),
  field('Tty', BOOL),
  field('OpenStdin', BOOL),
  field('StdinOnce', BOOL),
  field('Env', STRINGS),
  field('Cmd', STRINGS),
  omit('Healthcheck', ptr(HEALTH_CONFIG)),
  omit('ArgsEscaped', BOOL),
  field('Image', STRING),
  field('Volumes', map(EMPTY_STRUCT)),
  field('WorkingDir', STRING),
  field('Entrypoint', STRINGS),
  omit('NetworkDisabled', BOOL),
  omit('MacAddress', STRING),
  field('OnBuild', STRINGS),
  field('Labels', map(STRING)),
  omit('StopSignal', STRING),
  omit('StopTimeout', ptr(INT)),
  omit('Shell', STRINGS),
]);

const DOCKER_CONFIG: StructType = {
  k: 'struct',
  name: 'v1.DockerOCIImageConfig',
  fields: [
    { name: 'ImageConfig', type: IMAGE_CONFIG, embedded: true },
    { name: 'DockerOCIImageConfigExt', type: CONFIG_EXT, embedded: true },
  ],
};

export const IMAGE_INSPECT_TYPE: StructType = struct('image.InspectResponse', [
  field('ID', STRING, 'Id'),
  field('RepoTags', STRINGS),
  field('RepoDigests', STRINGS),
  field('Parent', STRING),
  field('Comment', STRING),
  omit('Created', STRING),
  omit('ContainerConfig', ptr(CONTAINER_CONFIG)),
  field('DockerVersion', STRING),
  field('Author', STRING),
  field('Config', ptr(DOCKER_CONFIG)),
  field('Architecture', STRING),
  omit('Variant', STRING),
  field('Os', STRING),
  omit('OsVersion', STRING),
  field('Size', INT64),
  omit('VirtualSize', INT64),
  field('GraphDriver', struct('storage.DriverData', [field('Data', map(STRING)), field('Name', STRING)])),
  field('RootFS', struct('image.RootFS', [omit('Type', STRING), omit('Layers', STRINGS)])),
  field('Metadata', struct('image.Metadata', [omit('LastTagTime', TIME)])),
  omit('Descriptor', ANY),
  omit('Manifests', ANY),
]);
