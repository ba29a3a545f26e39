#!/bin/sh
# Builds the optional native kernel libraries, one per instruction-set level, into $1 (default target/native).
# Called by Maven (exec-maven-plugin, phase compile). Without a C compiler, or off x86-64 Linux, it builds
# nothing and exits 0: the engine then runs its Java kernels. CC picks the compiler (default: cc, then gcc).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/target/native}"
SRC="$HERE/src/main/c/stellar_kernels.c"

if [ "$(uname -s 2>/dev/null)" != "Linux" ] || [ "$(uname -m 2>/dev/null)" != "x86_64" ]; then
  echo "engine-native: not x86-64 Linux; no native kernels built (the engine runs its Java kernels)"
  exit 0
fi
CC="${CC:-}"
if [ -z "$CC" ]; then
  for c in cc gcc clang; do
    if command -v "$c" >/dev/null 2>&1; then CC="$c"; break; fi
  done
fi
if [ -z "$CC" ] || ! command -v "$CC" >/dev/null 2>&1; then
  echo "engine-native: no C compiler found; no native kernels built (the engine runs its Java kernels)"
  exit 0
fi
mkdir -p "$OUT"
# No -march=native: each library targets its level, whatever CPU builds it. -ffp-contract=off keeps every float
# operation as written (the kernels fix their own accumulation order).
COMMON="-O3 -std=c11 -fPIC -shared -ffp-contract=off -fno-strict-aliasing -Wall -Werror"
build() { # level flags...
  level="$1"; shift
  tmp="$OUT/libstellar-kernels-$level.so.tmp"
  if "$CC" $COMMON "$@" -o "$tmp" "$SRC"; then
    mv -f "$tmp" "$OUT/libstellar-kernels-$level.so"
    echo "engine-native: built $OUT/libstellar-kernels-$level.so with $CC"
  else
    rm -f "$tmp"
    echo "engine-native: $CC could not build the $level kernels; that level is skipped"
  fi
}
build avx2 -mavx2 -mfma -mf16c
build avx512vnni -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni -DSTELLAR_VNNI
