// Recorded from the docker CLI 28.2.2 (TZ=UTC) against a stub Engine API serving these
// records, by a throwaway script: what `docker images`, `docker history` and
// `docker system df` print for them. The tests render the same records and compare bytes.
/* eslint-disable */
import type { ImageRecord } from '../../../src/store/types.js';
import type { HistoryEntry } from '../../../src/oci/config.js';

export const NOW = 1795425439000; // 2026-11-23T09:17:19.000Z

/** A record as the stub served it: its layers' sizes are the sizes docker was given. */
type Unsized = Omit<ImageRecord, 'layerSizes' | 'contentSize'>;
function sized(image: Unsized): ImageRecord {
  return { ...image, layerSizes: image.layers.map((l) => l.size), contentSize: image.size };
}

export const IMAGES: ImageRecord[] = (
  [
    {
      id: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
      manifest: {
        digest: 'sha256:6565656565656565656565656565656565656565656565656565656565656565',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
        size: 1000,
      },
      layers: [],
      repoTags: ['docker.io/library/alpine:latest', 'docker.io/library/alpine:3.19'],
      repoDigests: ['docker.io/library/alpine@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
      created: '2026-11-23T07:47:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 7797760,
    },
    {
      id: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
      manifest: {
        digest: 'sha256:6666666666666666666666666666666666666666666666666666666666666666',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
        size: 1000,
      },
      layers: [],
      repoTags: ['localhost:5000/team/web:1.0'],
      repoDigests: [
        'localhost:5000/team/web@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
        'ghcr.io/org/web@sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd',
      ],
      created: '2026-11-20T04:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 1234567,
    },
    {
      id: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
      manifest: {
        digest: 'sha256:6767676767676767676767676767676767676767676767676767676767676767',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
        size: 1000,
      },
      layers: [],
      repoTags: [],
      repoDigests: [],
      created: '2026-11-03T09:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 999999,
    },
    {
      id: 'sha256:4444444444444444444444444444444444444444444444444444444444444444',
      manifest: {
        digest: 'sha256:6868686868686868686868686868686868686868686868686868686868686868',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:4444444444444444444444444444444444444444444444444444444444444444',
        size: 1000,
      },
      layers: [],
      repoTags: ['ghcr.io/org/tool:v2'],
      repoDigests: [],
      created: '2026-06-26T09:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 123,
    },
    {
      id: 'sha256:5555555555555555555555555555555555555555555555555555555555555555',
      manifest: {
        digest: 'sha256:6969696969696969696969696969696969696969696969696969696969696969',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:5555555555555555555555555555555555555555555555555555555555555555',
        size: 1000,
      },
      layers: [],
      repoTags: ['docker.io/user/app:latest'],
      repoDigests: [],
      created: '2023-11-14T09:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 5000000000,
    },
    {
      id: 'sha256:6666666666666666666666666666666666666666666666666666666666666666',
      manifest: {
        digest: 'sha256:6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:6666666666666666666666666666666666666666666666666666666666666666',
        size: 1000,
      },
      layers: [],
      repoTags: [],
      repoDigests: ['docker.io/library/busybox@sha256:1010101010101010101010101010101010101010101010101010101010101010'],
      created: '2026-11-23T09:06:49Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 0,
    },
    {
      id: 'sha256:7777777777777777777777777777777777777777777777777777777777777777',
      manifest: {
        digest: 'sha256:6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:7777777777777777777777777777777777777777777777777777777777777777',
        size: 1000,
      },
      layers: [],
      repoTags: ['docker.io/library/ubuntu:22.04'],
      repoDigests: [],
      created: '2026-11-21T10:07:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 1000000,
    },
  ] as Unsized[]
).map(sized);

export const HISTORY_IMAGE: ImageRecord = sized({
  id: 'sha256:8888888888888888888888888888888888888888888888888888888888888888',
  manifest: {
    digest: 'sha256:6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 500,
  },
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: 'sha256:8888888888888888888888888888888888888888888888888888888888888888',
    size: 1000,
  },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:1515151515151515151515151515151515151515151515151515151515151515',
      size: 3623807,
    },
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:1616161616161616161616161616161616161616161616161616161616161616',
      size: 1024,
    },
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:1717171717171717171717171717171717171717171717171717171717171717',
      size: 999999,
    },
  ],
  repoTags: ['docker.io/library/x:latest'],
  repoDigests: [],
  created: '2026-11-23T08:27:19Z',
  pulled: '2026-11-23T09:17:19Z',
  platform: {
    os: 'linux',
    architecture: 'amd64',
  },
  size: 4625854,
});

export const HISTORY: HistoryEntry[] = [
  {
    created: '2025-10-19T09:17:19Z',
    created_by: '/bin/sh -c #(nop) ADD file:37a76ec18f9887751cd8473744917d08b7431fc4085097bb6a09d81b41775473 in / ',
  },
  {
    created: '2025-10-19T09:18:19Z',
    created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]',
    empty_layer: true,
  },
  {
    created: '2026-11-20T09:17:19Z',
    created_by: 'RUN /bin/sh -c apk add --no-cache\tcurl # buildkit',
    comment: 'buildkit.dockerfile.v0',
  },
  {
    created: '2026-11-23T07:07:19Z',
    created_by: 'ENV 日本語=値 ÉTÉ',
    empty_layer: true,
    comment: 'buildkit.dockerfile.v0',
  },
  {
    created: '2026-11-23T08:27:19Z',
    created_by: 'COPY . /app # buildkit',
    comment: 'buildkit.dockerfile.v0',
  },
];

export const DF_IMAGES = [
  {
    image: {
      id: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
      manifest: {
        digest: 'sha256:6565656565656565656565656565656565656565656565656565656565656565',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
        size: 1000,
      },
      layers: [],
      repoTags: ['docker.io/library/alpine:latest', 'docker.io/library/alpine:3'],
      repoDigests: [],
      created: '2026-11-20T09:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 7797760,
    },
    sharedSize: 1000,
    uniqueSize: 7796760,
  },
  {
    image: {
      id: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
      manifest: {
        digest: 'sha256:6666666666666666666666666666666666666666666666666666666666666666',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 500,
      },
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
        size: 1000,
      },
      layers: [],
      repoTags: [],
      repoDigests: [],
      created: '2026-11-03T09:17:19Z',
      pulled: '2026-11-23T09:17:19Z',
      platform: {
        os: 'linux',
        architecture: 'amd64',
      },
      size: 115683000,
    },
    sharedSize: 0,
    uniqueSize: 115683000,
  },
];
export const DF_TOTAL = 123456789;

export const DOCKER: Record<string, { args: string[]; stdout: string }> = {
  'images default': {
    args: [],
    stdout:
      'REPOSITORY                TAG       IMAGE ID       CREATED          SIZE\nalpine                    latest    111111111111   2 hours ago      7.8MB\nalpine                    3.19      111111111111   2 hours ago      7.8MB\nlocalhost:5000/team/web   1.0       222222222222   3 days ago       1.23MB\nghcr.io/org/web           <none>    222222222222   3 days ago       1.23MB\n<none>                    <none>    333333333333   2 weeks ago      1e+03kB\nghcr.io/org/tool          v2        444444444444   5 months ago     123B\nuser/app                  latest    555555555555   3 years ago      5GB\nbusybox                   <none>    666666666666   10 minutes ago   0B\nubuntu                    22.04     777777777777   47 hours ago     1MB\n',
  },
  'images digests': {
    args: ['--digests'],
    stdout:
      'REPOSITORY                TAG       DIGEST                                                                    IMAGE ID       CREATED          SIZE\nalpine                    latest    sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb   111111111111   2 hours ago      7.8MB\nalpine                    3.19      sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb   111111111111   2 hours ago      7.8MB\nlocalhost:5000/team/web   1.0       sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc   222222222222   3 days ago       1.23MB\nghcr.io/org/web           <none>    sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd   222222222222   3 days ago       1.23MB\n<none>                    <none>    <none>                                                                    333333333333   2 weeks ago      1e+03kB\nghcr.io/org/tool          v2        <none>                                                                    444444444444   5 months ago     123B\nuser/app                  latest    <none>                                                                    555555555555   3 years ago      5GB\nbusybox                   <none>    sha256:1010101010101010101010101010101010101010101010101010101010101010   666666666666   10 minutes ago   0B\nubuntu                    22.04     <none>                                                                    777777777777   47 hours ago     1MB\n',
  },
  'images noTrunc': {
    args: ['--no-trunc'],
    stdout:
      'REPOSITORY                TAG       IMAGE ID                                                                  CREATED          SIZE\nalpine                    latest    sha256:1111111111111111111111111111111111111111111111111111111111111111   2 hours ago      7.8MB\nalpine                    3.19      sha256:1111111111111111111111111111111111111111111111111111111111111111   2 hours ago      7.8MB\nlocalhost:5000/team/web   1.0       sha256:2222222222222222222222222222222222222222222222222222222222222222   3 days ago       1.23MB\nghcr.io/org/web           <none>    sha256:2222222222222222222222222222222222222222222222222222222222222222   3 days ago       1.23MB\n<none>                    <none>    sha256:3333333333333333333333333333333333333333333333333333333333333333   2 weeks ago      1e+03kB\nghcr.io/org/tool          v2        sha256:4444444444444444444444444444444444444444444444444444444444444444   5 months ago     123B\nuser/app                  latest    sha256:5555555555555555555555555555555555555555555555555555555555555555   3 years ago      5GB\nbusybox                   <none>    sha256:6666666666666666666666666666666666666666666666666666666666666666   10 minutes ago   0B\nubuntu                    22.04     sha256:7777777777777777777777777777777777777777777777777777777777777777   47 hours ago     1MB\n',
  },
  'images json': {
    args: ['--format', 'json'],
    stdout:
      '{"Containers":"N/A","CreatedAt":"2026-11-23 07:47:19 +0000 UTC","CreatedSince":"2 hours ago","Digest":"\\u003cnone\\u003e","ID":"111111111111","Repository":"alpine","SharedSize":"N/A","Size":"7.8MB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"7.798MB"}\n{"Containers":"N/A","CreatedAt":"2026-11-23 07:47:19 +0000 UTC","CreatedSince":"2 hours ago","Digest":"\\u003cnone\\u003e","ID":"111111111111","Repository":"alpine","SharedSize":"N/A","Size":"7.8MB","Tag":"3.19","UniqueSize":"N/A","VirtualSize":"7.798MB"}\n{"Containers":"N/A","CreatedAt":"2026-11-20 04:17:19 +0000 UTC","CreatedSince":"3 days ago","Digest":"\\u003cnone\\u003e","ID":"222222222222","Repository":"localhost:5000/team/web","SharedSize":"N/A","Size":"1.23MB","Tag":"1.0","UniqueSize":"N/A","VirtualSize":"1.235MB"}\n{"Containers":"N/A","CreatedAt":"2026-11-20 04:17:19 +0000 UTC","CreatedSince":"3 days ago","Digest":"","ID":"222222222222","Repository":"ghcr.io/org/web","SharedSize":"N/A","Size":"1.23MB","Tag":"\\u003cnone\\u003e","UniqueSize":"N/A","VirtualSize":"1.235MB"}\n{"Containers":"N/A","CreatedAt":"2026-11-03 09:17:19 +0000 UTC","CreatedSince":"2 weeks ago","Digest":"\\u003cnone\\u003e","ID":"333333333333","Repository":"\\u003cnone\\u003e","SharedSize":"N/A","Size":"1e+03kB","Tag":"\\u003cnone\\u003e","UniqueSize":"N/A","VirtualSize":"1000kB"}\n{"Containers":"N/A","CreatedAt":"2026-06-26 09:17:19 +0000 UTC","CreatedSince":"5 months ago","Digest":"\\u003cnone\\u003e","ID":"444444444444","Repository":"ghcr.io/org/tool","SharedSize":"N/A","Size":"123B","Tag":"v2","UniqueSize":"N/A","VirtualSize":"123B"}\n{"Containers":"N/A","CreatedAt":"2023-11-14 09:17:19 +0000 UTC","CreatedSince":"3 years ago","Digest":"\\u003cnone\\u003e","ID":"555555555555","Repository":"user/app","SharedSize":"N/A","Size":"5GB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"5GB"}\n{"Containers":"N/A","CreatedAt":"2026-11-23 09:06:49 +0000 UTC","CreatedSince":"10 minutes ago","Digest":"","ID":"666666666666","Repository":"busybox","SharedSize":"N/A","Size":"0B","Tag":"\\u003cnone\\u003e","UniqueSize":"N/A","VirtualSize":"0B"}\n{"Containers":"N/A","CreatedAt":"2026-11-21 10:07:19 +0000 UTC","CreatedSince":"47 hours ago","Digest":"\\u003cnone\\u003e","ID":"777777777777","Repository":"ubuntu","SharedSize":"N/A","Size":"1MB","Tag":"22.04","UniqueSize":"N/A","VirtualSize":"1MB"}\n',
  },
  'images repoTag': {
    args: ['--format', 'table {{.Repository}}\\t{{.Tag}}'],
    stdout:
      'REPOSITORY                TAG\nalpine                    latest\nalpine                    3.19\nlocalhost:5000/team/web   1.0\nghcr.io/org/web           <none>\n<none>                    <none>\nghcr.io/org/tool          v2\nuser/app                  latest\nbusybox                   <none>\nubuntu                    22.04\n',
  },
  'images custom': {
    args: ['--format', 'table {{.ID}}\\t{{.CreatedAt}}\\t{{.Size}}', '--digests'],
    stdout:
      'IMAGE ID       CREATED AT                      SIZE      DIGEST\n111111111111   2026-11-23 07:47:19 +0000 UTC   7.8MB     sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n111111111111   2026-11-23 07:47:19 +0000 UTC   7.8MB     sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n222222222222   2026-11-20 04:17:19 +0000 UTC   1.23MB    sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n222222222222   2026-11-20 04:17:19 +0000 UTC   1.23MB    sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\n333333333333   2026-11-03 09:17:19 +0000 UTC   1e+03kB   <none>\n444444444444   2026-06-26 09:17:19 +0000 UTC   123B      <none>\n555555555555   2023-11-14 09:17:19 +0000 UTC   5GB       <none>\n666666666666   2026-11-23 09:06:49 +0000 UTC   0B        sha256:1010101010101010101010101010101010101010101010101010101010101010\n777777777777   2026-11-21 10:07:19 +0000 UTC   1MB       <none>\n',
  },
  'images plain': {
    args: ['--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Containers}} {{.SharedSize}} {{.UniqueSize}} {{.VirtualSize}}'],
    stdout:
      'alpine:latest 111111111111 N/A N/A N/A 7.798MB\nalpine:3.19 111111111111 N/A N/A N/A 7.798MB\nlocalhost:5000/team/web:1.0 222222222222 N/A N/A N/A 1.235MB\nghcr.io/org/web:<none> 222222222222 N/A N/A N/A 1.235MB\n<none>:<none> 333333333333 N/A N/A N/A 1000kB\nghcr.io/org/tool:v2 444444444444 N/A N/A N/A 123B\nuser/app:latest 555555555555 N/A N/A N/A 5GB\nbusybox:<none> 666666666666 N/A N/A N/A 0B\nubuntu:22.04 777777777777 N/A N/A N/A 1MB\n',
  },
  'history default': {
    args: [],
    stdout:
      'IMAGE          CREATED          CREATED BY                                      SIZE      COMMENT\n888888888888   50 minutes ago   COPY . /app # buildkit                          1e+03kB   buildkit.dockerfile.v0\n<missing>      2 hours ago      ENV 日本語=値 ÉTÉ                               0B        buildkit.dockerfile.v0\n<missing>      3 days ago       RUN /bin/sh -c apk add --no-cache curl # bui…   1.02kB    buildkit.dockerfile.v0\n<missing>      13 months ago    /bin/sh -c #(nop)  CMD ["/bin/sh"]              0B        \n<missing>      13 months ago    /bin/sh -c #(nop) ADD file:37a76ec18f9887751…   3.62MB    \n',
  },
  'history noTrunc': {
    args: ['--no-trunc'],
    stdout:
      'IMAGE                                                                     CREATED          CREATED BY                                                                                          SIZE      COMMENT\nsha256:8888888888888888888888888888888888888888888888888888888888888888   50 minutes ago   COPY . /app # buildkit                                                                              1e+03kB   buildkit.dockerfile.v0\n<missing>                                                                 2 hours ago      ENV 日本語=値 ÉTÉ                                                                                   0B        buildkit.dockerfile.v0\n<missing>                                                                 3 days ago       RUN /bin/sh -c apk add --no-cache curl # buildkit                                                   1.02kB    buildkit.dockerfile.v0\n<missing>                                                                 13 months ago    /bin/sh -c #(nop)  CMD ["/bin/sh"]                                                                  0B        \n<missing>                                                                 13 months ago    /bin/sh -c #(nop) ADD file:37a76ec18f9887751cd8473744917d08b7431fc4085097bb6a09d81b41775473 in /    3.62MB    \n',
  },
  'history notHuman': {
    args: ['--human=false'],
    stdout:
      'IMAGE          CREATED AT             CREATED BY                                      SIZE      COMMENT\n888888888888   2026-11-23T08:27:19Z   COPY . /app # buildkit                          999999    buildkit.dockerfile.v0\n<missing>      2026-11-23T07:07:19Z   ENV 日本語=値 ÉTÉ                               0         buildkit.dockerfile.v0\n<missing>      2026-11-20T09:17:19Z   RUN /bin/sh -c apk add --no-cache curl # bui…   1024      buildkit.dockerfile.v0\n<missing>      2025-10-19T09:18:19Z   /bin/sh -c #(nop)  CMD ["/bin/sh"]              0         \n<missing>      2025-10-19T09:17:19Z   /bin/sh -c #(nop) ADD file:37a76ec18f9887751…   3623807   \n',
  },
  'history json': {
    args: ['--format', 'json'],
    stdout:
      '{"Comment":"buildkit.dockerfile.v0","CreatedAt":"2026-11-23T08:27:19Z","CreatedBy":"COPY . /app # buildkit","CreatedSince":"50 minutes ago","ID":"888888888888","Size":"1e+03kB"}\n{"Comment":"buildkit.dockerfile.v0","CreatedAt":"2026-11-23T07:07:19Z","CreatedBy":"ENV 日本語=値 ÉTÉ","CreatedSince":"2 hours ago","ID":"\\u003cmissing\\u003e","Size":"0B"}\n{"Comment":"buildkit.dockerfile.v0","CreatedAt":"2026-11-20T09:17:19Z","CreatedBy":"RUN /bin/sh -c apk add --no-cache curl # bui…","CreatedSince":"3 days ago","ID":"\\u003cmissing\\u003e","Size":"1.02kB"}\n{"Comment":"","CreatedAt":"2025-10-19T09:18:19Z","CreatedBy":"/bin/sh -c #(nop)  CMD [\\"/bin/sh\\"]","CreatedSince":"13 months ago","ID":"\\u003cmissing\\u003e","Size":"0B"}\n{"Comment":"","CreatedAt":"2025-10-19T09:17:19Z","CreatedBy":"/bin/sh -c #(nop) ADD file:37a76ec18f9887751…","CreatedSince":"13 months ago","ID":"\\u003cmissing\\u003e","Size":"3.62MB"}\n',
  },
  'df default': {
    args: [],
    stdout:
      'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          2         0         123.5MB   123.5MB (100%)\nContainers      0         0         0B        0B\nLocal Volumes   0         0         0B        0B\nBuild Cache     0         0         0B        0B\n',
  },
  'df json': {
    args: ['--format', 'json'],
    stdout:
      '{"Active":"0","Reclaimable":"123.5MB (100%)","Size":"123.5MB","TotalCount":"2","Type":"Images"}\n{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Containers"}\n{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Local Volumes"}\n{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Build Cache"}\n',
  },
  'df verbose': {
    args: ['-v'],
    stdout:
      'Images space usage:\n\nREPOSITORY   TAG       IMAGE ID       CREATED       SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS\nalpine       latest    111111111111   3 days ago    7.8MB     1kB           7.797MB       0\n<none>       <none>    222222222222   2 weeks ago   116MB     0B            115.7MB       0\n\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n',
  },
};
