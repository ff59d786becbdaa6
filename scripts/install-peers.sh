#!/usr/bin/env bash
# Installs the peer tools the interop tests drive (and zstd, xz, bzip2 for fixtures): skopeo, CNCF distribution's
# registry (Debian package docker-registry), Apache's htpasswd (apache2-utils, for
# real `htpasswd -B` files in the auth tests), Docker Engine (docker.io: the tests start
# their own dockerd on a temp root) and containerd with ctr. Idempotent: does nothing
# when all are present. Afterwards makes sure no packaged service occupies the machine.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

missing=()
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
{ command -v containerd && command -v ctr; } >/dev/null 2>&1 || missing+=(containerd)
# A static shell for the base image the SIZE interop test builds on with docker build.
[ -x /bin/busybox ] || missing+=(busybox-static)
# podman reads the OCI layouts `copy --format oci` writes (format-oci interop test) and imports
# the tars `stowage export` writes (rootfs-docker).
command -v podman >/dev/null 2>&1 || missing+=(podman)
# Root filesystems as docker has them (test/interop/rootfs-docker.test.ts, test/unit/tar): a
# Debian rootfs from debootstrap, podman import, setfattr/getfattr (attr: Stowage applies xattrs
# with setfattr) and setcap/getcap (libcap2-bin).
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
{ command -v setfattr && command -v getfattr; } >/dev/null 2>&1 || missing+=(attr)
{ command -v setcap && command -v getcap; } >/dev/null 2>&1 || missing+=(libcap2-bin)
# Compressors for the compressed-archive and zstd-layer fixtures (stowage load of x.tar.zst ...).
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v bzip2 >/dev/null 2>&1 || missing+=(bzip2)
# The load generator of bench scenario 4 (npm run bench runs this script first).
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# The load balancer in front of three replicas (test/interop/s3-replicas.test.ts).
[ -x /usr/sbin/nginx ] || missing+=(nginx)
# The database several replicas share (test/support/postgres.ts runs initdb and the server itself).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)

# A one-node Ceph RADOS Gateway for the S3 driver's tests (test/support/ceph-rgw.ts); installed
# without recommends, which would pull in ceph-mgr and its Python stack.
ceph=()
{ command -v ceph-mon && command -v ceph-osd && command -v radosgw && command -v radosgw-admin; } >/dev/null 2>&1 ||
  ceph=(ceph-mon ceph-osd radosgw ceph-common)

updated=0
# apt_install LABEL [apt-get install options...] -- PACKAGES...: apt-get update once, then the
# install with a policy-rc.d that exits 101, so no package starts its service (docker-registry
# on :5000, nginx on :80, ceph's daemons).
apt_install() {
  local label="$1"
  shift
  local options=()
  while [ "$1" != "--" ]; do
    options+=("$1")
    shift
  done
  shift
  echo "install-peers: installing $* ($label)"
  if [ "$updated" -eq 0 ]; then
    $SUDO apt-get update
    updated=1
  fi
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local status=0
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${options[@]}" "$@" || status=$?
  if [ "$created_policy" -eq 1 ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
  fi
  if [ "$status" -ne 0 ]; then
    echo "install-peers: apt-get install of $label failed ($status)" >&2
    exit "$status"
  fi
}

if [ "${#ceph[@]}" -gt 0 ]; then
  apt_install "ceph, without recommends" --no-install-recommends -- "${ceph[@]}"
fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "peers" -- "${missing[@]}"
else
  echo "install-peers: skopeo, docker-registry, htpasswd, dockerd, containerd, debootstrap, podman, attr, libcap2-bin, nginx and wrk already installed"
fi

# A docker-registry service started by the package would hold :5000; stop it.
registry_running() {
  if command -v pgrep >/dev/null 2>&1; then
    pgrep -x docker-registry >/dev/null 2>&1
  else
    grep -qsx docker-registry /proc/[0-9]*/comm
  fi
}
if registry_running; then
  echo "install-peers: stopping the docker-registry service"
  if [ -x /etc/init.d/docker-registry ]; then
    $SUDO /etc/init.d/docker-registry stop || true
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop docker-registry >/dev/null 2>&1 || true
  fi
fi

skopeo --version
docker-registry --version
command -v htpasswd
dockerd --version
containerd --version
radosgw --version
/usr/sbin/nginx -v
