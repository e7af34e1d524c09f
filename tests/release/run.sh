#!/usr/bin/env bash
# Release artefacts: build them with packaging/release.sh (signed with a
# throwaway GPG key made here), then install and run each one the way users
# do: the Helm 3 archive over http with the real Helm 3.17.3, the signed
# Helm 4 tarballs with the real Helm 4.1.4 (verified), the .deb unpacked
# into a scratch root. Then the linux-arm64 artefacts under qemu (arm64.sh)
# and the install hook on every kind of install (hook.sh).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/release
helm3=$(bash "$root/tests/helm/fetch-helm.sh" 3) || exit 1
helm4=$(bash "$root/tests/helm/fetch-helm.sh" 4) || exit 1
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }
check() { local name=$1 res; shift; if res=$("$@" 2>&1); then ok "$name"; else no "$name" "$res"; fi; }
version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")

# a throwaway signing key
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "cmf-validate test <test@cmf-validate.invalid>" rsa2048 sign 1d 2>/dev/null
gpg --batch --quiet --export-secret-keys >"$tmp/secring.gpg"
gpg --batch --quiet --export >"$tmp/pubring.gpg"

out=$tmp/out
HELM_BIN=$helm4 bash "$root/packaging/release.sh" "$out" --sign --key "cmf-validate test" \
	--keyring "$tmp/secring.gpg" >"$tmp/release.log" 2>&1 && ok "release.sh builds every artefact" ||
	{ no "release.sh" "$(cat "$tmp/release.log")"; echo "$pass passed, $fail failed"; exit 1; }
check "SHA256SUMS verifies" bash -c "cd '$out' && sha256sum -c --quiet SHA256SUMS"
for f in cmf-validate-$version-linux-amd64.tar.gz cmf-validate-$version-linux-arm64.tar.gz cmf-validate-$version.tgz \
	cmf-post-renderer-$version.tgz cmf-validate-$version.tgz.prov cmf-post-renderer-$version.tgz.prov \
	cmf-validate_${version}_amd64.deb cmf-validate_${version}_arm64.deb; do
	[ -f "$out/$f" ] && grep -q " $f\$" "$out/SHA256SUMS" && ok "artefact $f" || no "artefact $f missing or not summed"
done

# the Helm 3 archive: plugin.yaml at the root, no ./ entry, gzip
a=$out/cmf-validate-$version-linux-amd64.tar.gz
list=$(tar -tzf "$a")
grep -qx plugin.yaml <<<"$list" && grep -qx bin/cmf-validate <<<"$list" && grep -qx completion.yaml <<<"$list" &&
	grep -qx LICENSE <<<"$list" && grep -qx README.md <<<"$list" && grep -qx postrenderer/cmf-post-renderer/plugin.yaml <<<"$list" &&
	ok "Helm 3 archive layout (with the nested Helm 4 post-renderer)" || no "layout" "$list"
grep -q '^\./' <<<"$list" && no "Helm 3 archive has ./ entries" || ok "Helm 3 archive has no ./ entry"
file "$a" 2>/dev/null | grep -q gzip || [ "$(head -c2 "$a" | od -An -tx1 | tr -d ' ')" = 1f8b ] && ok "Helm 3 archive is gzip" || no "not gzip"
mkdir "$tmp/x" && tar -xzf "$a" -C "$tmp/x"
ldd "$tmp/x/bin/cmf-validate" >"$tmp/ldd" 2>&1
grep -Eq 'libyaml|libcyaml|libcrypto' "$tmp/ldd" && no "binary links libyaml/libcyaml/libcrypto dynamically" "$(cat "$tmp/ldd")" || ok "ldd: no libyaml, libcyaml or libcrypto"
"$tmp/x/bin/cmf-validate" version | grep -Eq "^cmf-validate $version \(commit [0-9a-f]{7,}|^cmf-validate $version \(commit unknown" &&
	ok "--version shows the version and the commit" || no "version" "$("$tmp/x/bin/cmf-validate" version)"

# Helm 3.17.3 installs it over http
python3 "$here/serve.py" "$out" "$tmp/port" & srv=$!
for _ in $(seq 50); do [ -f "$tmp/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$tmp/port")/cmf-validate-$version-linux-amd64.tar.gz
# Helm 3.17 installs http archives into $HELM_DATA_HOME/plugins, whatever HELM_PLUGINS says
h3() { HELM_CACHE_HOME=$tmp/h3/cache HELM_CONFIG_HOME=$tmp/h3/config HELM_DATA_HOME=$tmp/h3/data HELM_PLUGINS=$tmp/h3/data/plugins "$helm3" "$@"; }
check "Helm 3: helm plugin install $url" h3 plugin install "$url"
check "Helm 3: helm cmf-validate version" bash -c "HELM_PLUGINS=$tmp/h3/data/plugins HELM_DATA_HOME=$tmp/h3/data HELM_CONFIG_HOME=$tmp/h3/config HELM_CACHE_HOME=$tmp/h3/cache '$helm3' cmf-validate version | grep -q 'cmf-validate $version'"
h3 cmf-validate check -f "$root/testdata/examples/values-prod-broken.yaml" >"$tmp/h3.out" 2>&1
[ $? = 1 ] && grep -q CMF002 "$tmp/h3.out" && ok "Helm 3: the installed plugin finds the broken values" || no "Helm 3 check"

# Helm 4.1.4: the signed tarballs, verified
h4() { HELM_CACHE_HOME=$tmp/h4/cache HELM_CONFIG_HOME=$tmp/h4/config HELM_DATA_HOME=$tmp/h4/data HELM_PLUGINS=$tmp/h4/data/plugins "$helm4" "$@"; }
check "Helm 4: helm plugin verify cmf-validate" h4 plugin verify "$out/cmf-validate-$version.tgz" --keyring "$tmp/pubring.gpg"
check "Helm 4: helm plugin verify cmf-post-renderer" h4 plugin verify "$out/cmf-post-renderer-$version.tgz" --keyring "$tmp/pubring.gpg"
check "Helm 4: install signed cmf-validate" h4 plugin install "$out/cmf-validate-$version.tgz" --keyring "$tmp/pubring.gpg"
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >"$tmp/prod.yaml"
h4 cmf-validate template rel "$root/testdata/charts/cmf" -f "$tmp/prod.yaml" >"$tmp/wrapped.yaml" 2>"$tmp/err"
[ $? = 0 ] && grep -q 'mountPath: /opt/cmf/encryption' "$tmp/wrapped.yaml" &&
	ok "Helm 4: the installed cmf-validate wrapper mounts the key with no second plugin installed" || no "Helm 4: wrapper after install" "$(cat "$tmp/err")"
check "Helm 4: install signed cmf-post-renderer" h4 plugin install "$out/cmf-post-renderer-$version.tgz" --keyring "$tmp/pubring.gpg"
cp "$out/cmf-post-renderer-$version.tgz" "$tmp/tampered.tgz"; cp "$out/cmf-post-renderer-$version.tgz.prov" "$tmp/tampered.tgz.prov"
printf 'x' >>"$tmp/tampered.tgz"
h4 plugin verify "$tmp/tampered.tgz" --keyring "$tmp/pubring.gpg" >/dev/null 2>&1 && no "a tampered tarball verifies" || ok "Helm 4: a tampered tarball fails verification"
check "Helm 4: helm cmf-validate version" bash -c "HELM_CACHE_HOME=$tmp/h4/cache HELM_CONFIG_HOME=$tmp/h4/config HELM_DATA_HOME=$tmp/h4/data HELM_PLUGINS=$tmp/h4/data/plugins '$helm4' cmf-validate version | grep -q 'cmf-validate $version'"
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >"$tmp/prod.yaml"
if h4 template rel "$root/testdata/charts/cmf" -f "$tmp/prod.yaml" --post-renderer cmf-post-renderer \
	--post-renderer-args -f --post-renderer-args "$tmp/prod.yaml" >"$tmp/rendered.yaml" 2>"$tmp/err"; then
	grep -q 'secretName: cmf-encryption-key' "$tmp/rendered.yaml" && ok "Helm 4: the packaged post-renderer mounts the key" ||
		no "post-renderer output lacks the mount" "$(cat "$tmp/rendered.yaml")"
else
	no "Helm 4: helm template with the packaged post-renderer" "$(cat "$tmp/err")"
fi

# the .deb
deb=$out/cmf-validate_${version}_amd64.deb
dpkg-deb -c "$deb" >"$tmp/deb.c"
for p in ./usr/bin/cmf-validate ./usr/share/cmf-validate/plugin/plugin.yaml ./usr/share/cmf-validate/plugin/bin/cmf-validate \
	./usr/share/cmf-validate/plugin/postrenderer/cmf-post-renderer/plugin.yaml \
	./usr/share/man/man1/cmf-validate.1.gz ./usr/share/doc/cmf-validate/LICENSE; do
	grep -q " $p\( \|$\)" "$tmp/deb.c" && ok ".deb holds $p" || no ".deb lacks $p" "$(cat "$tmp/deb.c")"
done
dpkg-deb -I "$deb" >"$tmp/deb.i"
grep -q '^ Package: cmf-validate$' "$tmp/deb.i" && grep -q "^ Version: $version\$" "$tmp/deb.i" &&
	grep -q '^ Depends: libc6' "$tmp/deb.i" && ! grep -Eq '^ Depends:.*(libyaml|libcyaml|libssl)' "$tmp/deb.i" &&
	grep -q '^ Maintainer: ' "$tmp/deb.i" && grep -q '^ Description: ' "$tmp/deb.i" && ok ".deb control: name, version, libc-only depends, maintainer, description" ||
	no ".deb control" "$(cat "$tmp/deb.i")"
dpkg -x "$deb" "$tmp/root"
"$tmp/root/usr/bin/cmf-validate" check -f "$root/testdata/examples/values-prod.yaml" >/dev/null 2>&1 && ok ".deb binary runs from a scratch root" || no ".deb binary"
zcat "$tmp/root/usr/share/man/man1/cmf-validate.1.gz" | grep -q '^.TH CMF-VALIDATE 1' && ok "man page cmf-validate(1)" || no "man page"
echo "$pass passed, $fail failed"
echo "== linux-arm64 under emulation (tests/release/arm64.sh)"
bash "$here/arm64.sh" "$out" || fail=$((fail + 1))
echo "== the install hook (tests/release/hook.sh)"
bash "$here/hook.sh" "$out" || fail=$((fail + 1))
[ $fail = 0 ]
