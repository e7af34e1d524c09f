#!/usr/bin/env bash
# Reproducible release: packaging/release.sh runs twice, from two copies of
# this tree in two different folders, at two different times, with
# different umasks, and every artefact and SHA256SUMS must be byte for byte
# the same (unsigned: a .prov signature carries its own time).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
helm4=$(bash "$root/tests/helm/fetch-helm.sh" 4) || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }

# copy TO: the last commit (its history gives SOURCE_DATE_EPOCH and the
# version's commit) with the working tree's tracked files on top of it
copy() {
	git clone -q "$root" "$1" || return 1
	(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$1"
}
copy "$tmp/first/src" && copy "$tmp/second/a/longer/path/src" || { no "copying the tree"; exit 1; }
(umask 022 && cd "$tmp/first/src" && HELM_BIN=$helm4 bash packaging/release.sh "$tmp/out1") >"$tmp/log1" 2>&1 &&
	ok "first build" || no "first build" "$(cat "$tmp/log1")"
sleep 2 # a different second for every mtime that would leak
(umask 077 && cd "$tmp/second/a/longer/path/src" && HELM_BIN=$helm4 bash packaging/release.sh "$tmp/out2") >"$tmp/log2" 2>&1 &&
	ok "second build (another folder, later, umask 077)" || no "second build" "$(cat "$tmp/log2")"

n=0
for f in "$tmp/out1"/*; do
	name=$(basename "$f")
	n=$((n + 1))
	cmp -s "$f" "$tmp/out2/$name" && ok "byte-identical: $name" || no "differs: $name" "$(cmp "$f" "$tmp/out2/$name" 2>&1)"
done
[ "$(ls "$tmp/out1" | wc -l)" = "$(ls "$tmp/out2" | wc -l)" ] && [ $n -ge 7 ] &&
	ok "both builds wrote the same $n files" || no "file lists differ" "$(ls "$tmp/out1" "$tmp/out2")"
# the fixed parts, looked at directly
want=$(git -C "$root" log -1 --format=%ct)
for a in "$tmp/out1"/*.tar.gz "$tmp/out1"/*.tgz; do
	bad=$(tar --full-time -tvzf "$a" | awk -v t="$(date -u -d "@$want" '+%Y-%m-%d %H:%M:%S')" '$4" "$5 != t || $2 != "root/root" && $2 != "0/0"' | head -3)
	[ -z "$bad" ] && ok "$(basename "$a"): every entry owned by 0, mtime = the last commit" || no "$(basename "$a") entries" "$bad"
	[ "$(od -An -tx1 -j4 -N4 "$a" | tr -d ' ')" = 00000000 ] && ok "$(basename "$a"): no gzip time stamp" || no "$(basename "$a"): gzip time stamp"
done
for d in "$tmp/out1"/*.deb; do
	dpkg -x "$d" "$tmp/deb" && b=$tmp/deb/usr/bin/cmf-validate
	readelf -n "$b" | grep -q 'Build ID' && ok "$(basename "$d"): the binary has a build ID (from its contents)" || no "$(basename "$d"): no build ID"
	! grep -aq "$tmp" "$b" && ok "$(basename "$d"): no build path in the binary" || no "$(basename "$d"): the build path leaks into the binary"
	rm -rf "$tmp/deb"
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
