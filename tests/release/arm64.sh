#!/usr/bin/env bash
# The linux-arm64 artefacts, run under qemu-user-static on this amd64
# machine: the binaries from the arm64 Helm 3 archive, the Helm 4 package and
# the arm64 .deb are AArch64 and identical; `version` prints the same bytes as
# the amd64 release binary; the golden suites (check, lint, upgrade and the
# post-render streams) pass byte for byte with the arm64 binary, as they do
# with the amd64 release binary.
#   arm64.sh OUTDIR   (the output of packaging/release.sh)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: arm64.sh OUTDIR}
qemu=${CMFV_QEMU:-qemu-aarch64-static}
command -v "$qemu" >/dev/null || { echo "FAIL $qemu not installed (apt-get install qemu-user-static)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }
version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
machine() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }

for arch in amd64 arm64; do
	mkdir -p "$tmp/$arch/h3" "$tmp/$arch/h4" "$tmp/$arch/deb"
	tar -xzf "$out/cmf-validate-$version-linux-$arch.tar.gz" -C "$tmp/$arch/h3"
	tar -xzf "$out/cmf-validate-$version.tgz" -C "$tmp/$arch/h4"
	dpkg -x "$out/cmf-validate_${version}_$arch.deb" "$tmp/$arch/deb"
done
a=$tmp/arm64/h3/bin/cmf-validate x=$tmp/amd64/h3/bin/cmf-validate
[ "$(machine "$a")" = AArch64 ] && ok "arm64 archive: bin/cmf-validate is AArch64" || no "arm64 archive machine: $(machine "$a")"
[ "$(machine "$x")" = "Advanced Micro Devices X86-64" ] && ok "amd64 archive: bin/cmf-validate is x86-64" || no "amd64 archive machine: $(machine "$x")"
cmp -s "$a" "$tmp/arm64/h4/cmf-validate/bin/linux-arm64/cmf-validate" && cmp -s "$a" "$tmp/arm64/deb/usr/bin/cmf-validate" &&
	ok "arm64: the Helm 3 archive, Helm 4 package and .deb hold the same binary" || no "arm64 binaries differ between artefacts"
cmp -s "$x" "$tmp/amd64/h4/cmf-validate/bin/linux-amd64/cmf-validate" && cmp -s "$x" "$tmp/amd64/deb/usr/bin/cmf-validate" &&
	ok "amd64: the Helm 3 archive, Helm 4 package and .deb hold the same binary" || no "amd64 binaries differ between artefacts"
diff <(tar -tzf "$out/cmf-validate-$version-linux-amd64.tar.gz") <(tar -tzf "$out/cmf-validate-$version-linux-arm64.tar.gz") >"$tmp/d" &&
	ok "arm64 archive: the same entries as the amd64 archive" || no "archive entries differ" "$(cat "$tmp/d")"
readelf -d "$a" | grep NEEDED | grep -Eq 'libyaml|libcyaml|libcrypto' && no "arm64 binary links libyaml/libcyaml/libcrypto dynamically" ||
	ok "arm64: only libc is dynamic"
dpkg-deb -f "$out/cmf-validate_${version}_arm64.deb" Architecture | grep -qx arm64 && ok ".deb arm64: Architecture: arm64" || no ".deb arm64 architecture"
dpkg-deb -f "$out/cmf-validate_${version}_amd64.deb" Architecture | grep -qx amd64 && ok ".deb amd64: Architecture: amd64" || no ".deb amd64 architecture"

# the arm64 binary does not run natively here (no binfmt needed for this test)
"$qemu" "$a" version >"$tmp/v.arm64" 2>&1 && "$x" version >"$tmp/v.amd64" 2>&1 &&
	cmp -s "$tmp/v.arm64" "$tmp/v.amd64" && grep -q "^cmf-validate $version " "$tmp/v.arm64" &&
	ok "version under qemu: the same bytes as amd64 ($(head -c 60 "$tmp/v.arm64")...)" ||
	no "version differs" "$(cat "$tmp/v.arm64" "$tmp/v.amd64")"
"$qemu" "$tmp/arm64/deb/usr/bin/cmf-validate" check -f "$root/testdata/examples/values-prod.yaml" >/dev/null 2>&1 &&
	ok ".deb arm64 binary runs (qemu)" || no ".deb arm64 binary under qemu"

# golden suites, each with both release binaries
for arch in arm64 amd64; do
	runner=
	[ $arch = arm64 ] && runner=$qemu
	b=$tmp/$arch/h3/bin/cmf-validate
	for suite in check lint upgrade; do
		if CMFV_RUNNER=$runner bash "$root/tests/golden/run.sh" "$b" "$root/testdata/$suite" >"$tmp/g" 2>&1; then
			ok "linux-$arch golden $suite: $(tail -1 "$tmp/g")"
		else
			no "linux-$arch golden $suite" "$(grep -v '^ok' "$tmp/g")"
		fi
	done
	if CMFV_RUNNER=$runner bash "$root/tests/post-render/golden.sh" "$b" "$root/testdata/post-render" >"$tmp/g" 2>&1; then
		ok "linux-$arch post-render golden streams: $(tail -1 "$tmp/g")"
	else
		no "linux-$arch post-render golden streams" "$(grep -v '^ok' "$tmp/g")"
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
