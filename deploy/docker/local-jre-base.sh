#!/usr/bin/env bash
# Builds a JRE 25 base image from this machine's own files, for machines that cannot pull eclipse-temurin:25-jre:
# a jlink runtime of the host JDK (no javac, no jlink) plus the shared libraries it and /bin/sh, mkdir, chown,
# chmod link against, imported with podman (or docker) as the image named by $1.
#
#   deploy/docker/local-jre-base.sh localhost/stellarchat-jre:25 [JDK_HOME]
#   podman build --format docker --build-arg RUNTIME_IMAGE=localhost/stellarchat-jre:25 ...
#
# The result is Linux/x86-64 with the host's glibc; it is meant for tests and air-gapped trials, not as a
# maintained distribution base.
set -euo pipefail
image="${1:?usage: local-jre-base.sh IMAGE [JDK_HOME]}"
jdk="${2:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}"
engine="${CONTAINER_ENGINE:-podman}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/tmp" "$root/etc" "$root/opt"
chmod 1777 "$root/tmp"
"$jdk/bin/jlink" --add-modules java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.zipfs,jdk.naming.dns,jdk.crypto.cryptoki,jdk.localedata,jdk.charsets \
  --strip-debug --no-man-pages --no-header-files --output "$root/opt/java" 2>/dev/null
copy_with_libs() { # copies each file and the libraries ldd finds for it into the root, at the same paths
  local f lib
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    [ -e "$root$f" ] || cp -L "$f" "$root$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
      [ -e "$lib" ] || continue
      mkdir -p "$root$(dirname "$lib")"
      [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
    done
  done
}
copy_with_libs /bin/dash /bin/mkdir /bin/chown /bin/chmod /bin/ls
ln -sf dash "$root/bin/sh"
for so in "$root"/opt/java/bin/java $(find "$root/opt/java/lib" -name '*.so'); do
  for lib in $(ldd "$so" 2>/dev/null | grep -o '/[^ ]*' || true); do
    case "$lib" in "$root"*) continue ;; esac
    [ -e "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
tar -C "$root" -cf "$work/rootfs.tar" .
"$engine" import --change 'ENV JAVA_HOME=/opt/java' --change 'ENV PATH=/opt/java/bin:/usr/bin:/bin' \
  "$work/rootfs.tar" "$image" > /dev/null
echo "$image"
