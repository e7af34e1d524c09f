#!/usr/bin/env bash
# End to end with the real Helm 3.17.3 and Helm 4.1.4: the plugin installed
# from a clean clone, the post-renderer on the CMF-shaped test chart, the
# wrapper, failures visible to the user. Every Helm runs with private
# HELM_CACHE_HOME/HELM_CONFIG_HOME/HELM_DATA_HOME/HELM_PLUGINS.
#   helm.sh [3|4 ...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -30; }
chart=$root/testdata/charts/cmf
vals=$root/testdata/e2e
kubectl=$(bash "$root/tests/helm/fetch-helm.sh" kubectl)
# a clean clone of what is committed, as a user would get it
git clone -q "$root" "$tmp/clone" || { echo "cannot clone"; exit 1; }
cmake -S "$tmp/clone" -B "$tmp/build" -DCMFV_TESTS=OFF >/dev/null && cmake --build "$tmp/build" -j2 >/dev/null || exit 1
bin=$tmp/build/cmf-validate
openssl rand -out "$tmp/good.key" 32; openssl rand -base64 32 >"$tmp/b64.key"
"$kubectl" create secret generic cmf-encryption-key --from-file=encryption-key="$tmp/good.key" -n flink --dry-run=client -o yaml >"$tmp/good-secret.yaml"
"$kubectl" create secret generic cmf-encryption-key --from-file=encryption-key="$tmp/b64.key" -n flink --dry-run=client -o yaml >"$tmp/bad-secret.yaml"

# documents of a stream, one file each (split at column-0 --- lines)
docs() { python3 - "$1" "$2" <<'PY'
import sys, re
text = open(sys.argv[1], encoding="utf-8").read()
parts = [p for p in re.split(r"(?m)^---[ \t]*\n", text) if p.strip()]
for i, p in enumerate(parts):
    open("%s.%03d" % (sys.argv[2], i), "w").write(p)
print(len(parts))
PY
}

for m in "${majors[@]}"; do
	helm=$(bash "$root/tests/helm/fetch-helm.sh" "$m") || { no "fetch Helm $m"; continue; }
	home=$tmp/h$m
	export HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data HELM_PLUGINS=$home/data/plugins
	mkdir -p "$HELM_PLUGINS"
	H() { "$helm" "$@"; }
	echo "== Helm $m ($("$helm" version --template '{{.Version}}'))"
	rm -rf "$tmp/plugin$m"; cp -r "$tmp/clone" "$tmp/plugin$m"; rm -rf "$tmp/plugin$m/bin"
	if out=$(H plugin install "$tmp/plugin$m" 2>&1); then ok "helm$m: plugin install <clean clone> (builds bin/ with CMake)"; else no "helm$m: plugin install" "$out"; continue; fi
	H plugin list 2>&1 | grep -q '^cmf-validate' && ok "helm$m: plugin list shows cmf-validate" || no "helm$m: plugin list" "$(H plugin list 2>&1)"
	H cmf-validate version 2>&1 | grep -q '^cmf-validate 0' && ok "helm$m: helm cmf-validate version" || no "helm$m: version"
	H cmf-validate rules 2>&1 | grep -q 'CMF042' && ok "helm$m: helm cmf-validate rules" || no "helm$m: rules"
	out=$(H cmf-validate check -f "$vals/prod-no-key.yaml" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q CMF001 <<<"$out" && ok "helm$m: check finds the missing key (exit 1)" || no "helm$m: check" "$out"
	out=$(H cmf-validate check -f "$vals/prod.yaml" --secret-file "$tmp/good-secret.yaml" -n other 2>&1); rc=$?
	[ $rc = 1 ] && grep -q 'release is in other' <<<"$out" && ok "helm$m: -n other is the release namespace (CMF027)" || no "helm$m: -n" "$out"
	out=$(H cmf-validate check -f "$vals/prod.yaml" --secret-file "$tmp/good-secret.yaml" -n flink 2>&1)
	[ $? = 0 ] && ok "helm$m: -n flink matches the Secret" || no "helm$m: -n flink" "$out"
	comp=$(H __complete cmf-validate ch 2>/dev/null | head -3)
	grep -q '^check' <<<"$comp" && ok "helm$m: completion offers 'check'" || no "helm$m: completion" "$comp"

	# the post-renderer, wired by hand the way each version wants it
	H template rel "$chart" -n flink -f "$vals/prod.yaml" >"$tmp/plain$m.yaml" 2>"$tmp/err" || no "helm$m: plain template" "$(cat "$tmp/err")"
	pr=()
	if [ "$m" = 3 ]; then
		pr=(--post-renderer "$HELM_PLUGINS/plugin$m/bin/cmf-validate" --post-renderer-args post-render)
	else
		out=$(H cmf-validate install-post-renderer </dev/null 2>&1); rc=$?
		[ $rc = 2 ] && grep -q -- '--yes' <<<"$out" && ok "helm4: install-post-renderer asks first (no terminal: needs --yes)" || no "helm4: install-post-renderer without --yes" "$out"
		out=$(H cmf-validate install-post-renderer --yes 2>&1)
		[ $? = 0 ] && grep -q 'Helm 3 fails to load' <<<"$out" && ok "helm4: install-post-renderer --yes, with the Helm 3 caveat" || no "helm4: install-post-renderer" "$out"
		H plugin list 2>&1 | grep -q '^cmf-post-renderer' && ok "helm4: cmf-post-renderer is installed" || no "helm4: plugin list" "$(H plugin list 2>&1)"
		pr=(--post-renderer cmf-post-renderer)
	fi
	pr+=(--post-renderer-args -f --post-renderer-args "$vals/prod.yaml" --post-renderer-args -n --post-renderer-args flink)
	if H template rel "$chart" -n flink -f "$vals/prod.yaml" "${pr[@]}" >"$tmp/post$m.yaml" 2>"$tmp/err"; then
		ok "helm$m: helm template with the post-renderer"
		n1=$(docs "$tmp/plain$m.yaml" "$tmp/a$m"); n2=$(docs "$tmp/post$m.yaml" "$tmp/b$m")
		[ "$n1" = "$n2" ] && ok "helm$m: same number of documents ($n1)" || no "helm$m: documents $n1 vs $n2"
		same=0 changed=0
		for f in "$tmp/a$m".*; do
			g=$tmp/b$m.${f##*.}
			if [ "$m" = 3 ]; then
				cmp -s "$f" "$g" # Helm 3 prints the post-renderer's bytes
			else
				# Helm 4 re-parses and re-prints what the post-renderer gives it:
				# compare the documents' data (cmf-validate values reads YAML as Helm does)
				cmp -s <("$bin" values -f "$f" -o json 2>&1) <("$bin" values -f "$g" -o json 2>&1)
			fi && same=$((same + 1)) || { changed=$((changed + 1)); cf=$g; }
		done
		[ $changed = 1 ] && grep -q 'kind: Deployment' "$cf" && ok "helm$m: only the Deployment changed ($same documents identical)" || no "helm$m: $changed documents changed"
		grep -q 'secretName: cmf-encryption-key' "$tmp/post$m.yaml" && grep -q 'mountPath: /opt/cmf/encryption' "$tmp/post$m.yaml" &&
			ok "helm$m: the key volume and mount are there" || no "helm$m: no mount" "$(cat "$cf")"
		if [ "$m" = 4 ]; then
			grep -q 'helm.sh/hook' "$tmp/post$m.yaml" && ok "helm4: the test hook came through" || no "helm4: hook missing"
			grep -q 'postrenderer.helm.sh/postrender-filename' "$tmp/post$m.yaml" || ok "helm4: (no filename annotations in template output)"
		fi
	else
		no "helm$m: helm template with the post-renderer" "$(cat "$tmp/err")"
	fi
	# misconfigured: the release stops, and the user sees why
	if [ "$m" = 3 ]; then
		out=$(H template rel "$chart" -f "$vals/prod-no-key.yaml" --post-renderer "$HELM_PLUGINS/plugin$m/bin/cmf-validate" \
			--post-renderer-args post-render --post-renderer-args -f --post-renderer-args "$vals/prod-no-key.yaml" 2>&1); rc=$?
		[ $rc != 0 ] && grep -q CMF001 <<<"$out" && ok "helm3: raw post-renderer stops the release and Helm shows why" || no "helm3: raw post-renderer failure" "$out"
	fi
	out=$(H cmf-validate template rel "$chart" -f "$vals/prod-no-key.yaml" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q CMF001 <<<"$out" && grep -q 'not running helm' <<<"$out" && ok "helm$m: wrapper stops on production without a key" || no "helm$m: wrapper, no key" "$out"
	out=$(H cmf-validate template rel "$chart" -f "$vals/prod.yaml" --cmf-secret-file "$tmp/bad-secret.yaml" -n flink 2>&1); rc=$?
	[ $rc = 1 ] && grep -q CMF024 <<<"$out" && ok "helm$m: wrapper stops on a double-encoded key" || no "helm$m: wrapper, bad key" "$out"
	out=$(H cmf-validate template rel "$chart" -f "$vals/prod.yaml" --cmf-secret-file "$tmp/good-secret.yaml" -n flink 2>"$tmp/err"); rc=$?
	[ $rc = 0 ] && grep -q 'secretName: cmf-encryption-key' <<<"$out" && grep -q 'cmf-validate.io/key-kcv' <<<"$out" &&
		ok "helm$m: wrapper template: checked, mounted, KCV recorded" || no "helm$m: wrapper template" "$out $(cat "$tmp/err")"
	out=$(H cmf-validate template rel "$chart" -f "$vals/prod-renamed.yaml" --set image.tag=9.9 2>"$tmp/err"); rc=$?
	[ $rc = 0 ] && grep -q 'name: cmf-renamed' <<<"$out" && grep -q 'secretName: cmf-encryption-key' <<<"$out" && grep -q 'mountPath: /extra' <<<"$out" &&
		ok "helm$m: wrapper with nameOverride and mountedVolumes" || no "helm$m: renamed" "$out $(cat "$tmp/err")"
	out=$(H cmf-validate template rel "$chart" -f "$vals/prod-conflict.yaml" 2>&1); rc=$?
	[ $rc != 0 ] && ok "helm$m: a conflicting volume stops the release" || no "helm$m: conflict" "$out"
	out=$(H cmf-validate template rel "$chart" -f "$vals/dev.yaml" 2>&1); rc=$?
	[ $rc = 0 ] && grep -q CMF010 <<<"$out" && ok "helm$m: development mode passes with a warning" || no "helm$m: dev" "$out"
	if [ "$m" = 4 ]; then
		out=$(H cmf-validate install rel "$chart" -f "$vals/prod.yaml" --dry-run=client -n flink 2>&1); rc=$?
		[ $rc = 0 ] && grep -q 'secretName: cmf-encryption-key' <<<"$out" && ok "helm4: wrapper install --dry-run=client" || no "helm4: install --dry-run=client" "$out"
	fi
	unset -f H
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
