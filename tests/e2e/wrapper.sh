#!/usr/bin/env bash
# The wrapper (helm cmf-validate install|upgrade|template) with the real Helm
# 3.17.3 and 4.1.4: command lines that once fooled it (issue 12), Helm's flag
# spellings, -f -, charts from a repository and archives, the Helm 4
# post-renderer found inside the plugin folder. Each case accepts only: the
# rendered output has the key mount, or the command failed and said why.
#   wrapper.sh BIN [3|4 ...]
set -u
bin=$1; shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }
chart=$root/testdata/charts/cmf
cd "$tmp"

# the plugin folder as `helm plugin install` leaves it (bin/ built already)
plug=$tmp/plugin
mkdir -p "$plug/bin"
cp "$root/plugin.yaml" "$root/completion.yaml" "$plug/"
cp -r "$root/postrenderer" "$plug/"
cp "$bin" "$plug/bin/cmf-validate"

# values
printf 'cmf: {sql: {production: true}}\n' >mode.yaml
printf 'encryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >key.yaml
cat mode.yaml key.yaml >prod.yaml
printf 'cmf: {sql: {production: true}}\n---\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >twodocs.yaml
{ cat prod.yaml; printf -- '---\ncmf: {sql: {production: false}}\n'; } >prod-then-dev.yaml
mkdir -p "dir with,comma"; cp prod.yaml "dir with,comma/prod.yaml"

# charts: production by default (without, and with, the key), as a
# repository (served on localhost) and as archives
mkdir -p charts repo
cp -r "$chart" charts/cmf-nokey
sed -i 's/^    production: false/    production: true/' charts/cmf-nokey/values.yaml
cp -r charts/cmf-nokey charts/cmf-key
cat key.yaml >>charts/cmf-key/values.yaml
sed -i 's/^name: .*/name: cmf-nokey/' charts/cmf-nokey/Chart.yaml
sed -i 's/^name: .*/name: cmf-key/; s/^version: .*/version: 0.1.0/' charts/cmf-key/Chart.yaml
grep -q 'production: true' charts/cmf-nokey/values.yaml || { echo "cannot make the test charts"; exit 1; }

# CMF in a crds/ file (Helm installs those as they are, never post-rendered),
# on its own and as the subchart of an umbrella chart
cp -r "$chart" charts/cmf-crds
mkdir -p charts/cmf-crds/crds
mv charts/cmf-crds/templates/deployment.yaml charts/cmf-crds/crds/deployment.yaml
mkdir -p charts/umb-crds/charts
printf 'apiVersion: v2\nname: umb-crds\nversion: 0.1.0\n' >charts/umb-crds/Chart.yaml
cp -r charts/cmf-crds charts/umb-crds/charts/cmf

# key Secrets for the umbrella cases (Secret k, property p), as kubectl makes them
kubectl=$(bash "$root/tests/helm/fetch-helm.sh" kubectl)
openssl rand -out good.key 32; openssl rand -base64 32 >b64.key
"$kubectl" create secret generic k --from-file=p=good.key --dry-run=client -o yaml >k-good.yaml
"$kubectl" create secret generic k --from-file=p=b64.key --dry-run=client -o yaml >k-b64.yaml

mount() { grep -q 'mountPath: /opt/cmf/encryption' "$1"; }
production() { grep -Eq '^ +production: true$' "$1"; }

for m in "${majors[@]}"; do
	helm=$(bash "$root/tests/helm/fetch-helm.sh" "$m") || { no "fetch Helm $m"; continue; }
	home=$tmp/h$m
	export HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data HELM_PLUGINS=$home/plugins
	export TMPDIR=$home/tmp
	mkdir -p "$HELM_PLUGINS" "$TMPDIR"
	ln -s "$plug" "$HELM_PLUGINS/cmf-validate"
	if [ ! -f repo/index.yaml ]; then
		for c in cmf-nokey cmf-key; do "$helm" package "charts/$c" -d repo >/dev/null || no "helm package $c"; done
		"$helm" repo index repo
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		python3 -m http.server "$port" --bind 127.0.0.1 --directory repo >/dev/null 2>&1 &
		srv=$!
		for _ in $(seq 50); do
			python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$port/index.yaml" 2>/dev/null && break
			sleep 0.1
		done
	fi
	echo "== Helm $m"

	# case NAME WANT ARGS...: WANT is mount (exit 0 and the mount) or a
	# "rc:text" failure (that exit code, and text in what the user sees)
	case_() {
		local name=$1 want=$2; shift 2
		"$helm" cmf-validate "$@" >out.yaml 2>err.txt </dev/null
		local rc=$?
		if [ "$want" = mount ]; then
			[ $rc = 0 ] && mount out.yaml && ok "helm$m: $name" || no "helm$m: $name (exit $rc)" "$(cat err.txt)"
		else
			[ $rc = "${want%%:*}" ] && grep -qF -- "${want#*:}" err.txt && ! mount out.yaml &&
				ok "helm$m: $name" || no "helm$m: $name (exit $rc, want $want)" "$(cat err.txt)"
		fi
	}
	# issue 12, Why 1-5
	case_ "template -gf prod.yaml CHART" mount template -gf prod.yaml "$chart"
	case_ "template -g -f prod.yaml CHART" mount template -g -f prod.yaml "$chart"
	case_ "template -gfprod.yaml CHART" mount template -gfprod.yaml "$chart"
	if [ "$m" = 4 ]; then
		case_ "install -gf prod.yaml --dry-run=client" mount install -gf prod.yaml "$chart" --dry-run=client --cmf-no-cluster
	else # Helm 3's client-side dry run still asks the cluster for its version
		case_ "install -gf prod.yaml --dry-run=client: checked, then Helm 3 needs a cluster" "1:Kubernetes cluster unreachable" install -gf prod.yaml "$chart" --dry-run=client --cmf-no-cluster
	fi
	if [ "$m" = 4 ]; then
		case_ "--server-side true (a switch: 'true' is a third argument)" "2:got 3 arguments" template r "$chart" --server-side true -f prod.yaml
		case_ "--color never (a global flag with a value)" mount template --color never r "$chart" -f prod.yaml
		case_ "--content-cache DIR" mount template r --content-cache "$home/cc" "$chart" -f prod.yaml
	else
		case_ "--server-side true: Helm 3 has no such flag" "2:unknown flag: --server-side" template r "$chart" --server-side true -f prod.yaml
		case_ "--color never: Helm 3 has no such flag" "2:unknown flag: --color" template --color never r "$chart" -f prod.yaml
	fi
	case_ "-f with a newline: the first CSV record" mount template r "$chart" -f $'prod.yaml\nnothing-here.yaml'
	case_ "-f with a quoted newline: one file name" "2:nothing" template r "$chart" -f $'"prod.yaml\nnothing"'
	case_ "--post-renderer-args refused" "2:--post-renderer-args is not accepted" template r "$chart" -f prod.yaml --post-renderer-args --set=cmf.sql.production=false
	case_ "--post-renderer refused" "2:--post-renderer is not accepted" template r "$chart" -f prod.yaml --post-renderer=cat
	if [ "$m" = 3 ]; then
		case_ "Helm 3 reads only the first document of a values file" "1:CMF001" template r "$chart" -f twodocs.yaml
		case_ "Helm 3: production first, development second: the post-renderer reads it the Helm 3 way" mount template r "$chart" -f prod-then-dev.yaml
	else
		"$helm" template r "$chart" -f twodocs.yaml >plain.yaml 2>/dev/null
		if production plain.yaml; then case_ "Helm 4: a two-document values file" mount template r "$chart" -f twodocs.yaml; fi
	fi
	# --output-dir: Helm 3 writes the files before post-rendering (refused,
	# nothing written); Helm 4 post-renders first (the files have the mount)
	rm -rf outdir
	if [ "$m" = 3 ]; then
		case_ "--output-dir refused on Helm 3" "2:--output-dir is not accepted on Helm 3" template r "$chart" -f prod.yaml --output-dir=outdir
		[ ! -e outdir ] && ok "helm$m: --output-dir: nothing written" || no "helm$m: --output-dir wrote files" "$(find outdir)"
	else
		"$helm" cmf-validate template r "$chart" -f prod.yaml --output-dir outdir >/dev/null 2>err.txt </dev/null
		rc=$?
		dep=$(grep -rl '^kind: Deployment' outdir 2>/dev/null | head -1)
		[ $rc = 0 ] && [ -n "$dep" ] && mount "$dep" && ok "helm$m: --output-dir files have the mount" ||
			no "helm$m: --output-dir (exit $rc)" "$(cat err.txt)"
	fi
	rm -rf outdir
	case_ "--output-dir '' (empty: stdout) on either Helm" mount template r "$chart" -f prod.yaml --output-dir=
	case_ "CMF in crds/: refused" "2:a file in crds/ names CMF" template r charts/cmf-crds -f prod.yaml
	case_ "CMF in a subchart's crds/: refused" "2:a file in crds/ names CMF" template r charts/umb-crds
	# Helm's spellings
	case_ "--values= (empty: nothing)" mount template r "$chart" --values= -f prod.yaml
	# through `helm cmf-validate`, Helm itself takes an empty argument for one of
	# its global flags and fails; the wrapper on its own ignores it as Helm does
	case_ "-f '' through helm: Helm's plugin argument handling fails" "1:unknown shorthand flag" template r "$chart" -f '' -f prod.yaml
	HELM_BIN=$helm "$plug/bin/cmf-validate" template r "$chart" -f '' -f prod.yaml >out.yaml 2>err.txt </dev/null
	[ $? = 0 ] && mount out.yaml && ok "helm$m: -f '' (empty: nothing)" || no "helm$m: -f ''" "$(cat err.txt)"
	case_ "-f=FILE" mount template r "$chart" -f=prod.yaml
	case_ "--values=FILE" mount template r "$chart" --values=prod.yaml
	case_ "-f a,b" mount template r "$chart" -f mode.yaml,key.yaml
	case_ "-f \"quoted,name\"" mount template r "$chart" -f '"dir with,comma/prod.yaml"'
	case_ "-f a,b with a bare quote" '2:bare "' template r "$chart" -f 'mode.yaml,key"x.yaml'
	case_ "-f a,\"unterminated" '2:extraneous or missing "' template r "$chart" -f 'mode.yaml,"key.yaml'
	case_ "--set with commas" mount template r "$chart" --set cmf.sql.production=true,encryption.key.kubernetesSecretName=cmf-encryption-key,encryption.key.kubernetesSecretProperty=encryption-key
	case_ "--set=... with commas" mount template r "$chart" -f key.yaml --set=cmf.sql.production=true,image.tag=x
	case_ "--set production without a key stops" "1:CMF001" template r "$chart" --set cmf.sql.production=true,image.tag=x
	case_ "-- before the chart" mount template r -f prod.yaml -- "$chart"
	case_ "-- before NAME and CHART" mount template -f prod.yaml -- r "$chart"
	case_ "unknown flag refused" "2:unknown flag: --bogus" template r "$chart" -f prod.yaml --bogus
	case_ "unknown shorthand refused" "2:unknown shorthand flag: 'Z'" template r "$chart" -Zf prod.yaml
	case_ "flag without its value" "2:flag needs an argument" template r "$chart" -f
	case_ "install NAME CHART -g refused as Helm does" "2:cannot set --generate-name" install r "$chart" -g -f prod.yaml --cmf-no-cluster --dry-run
	case_ "install CHART without a name" "2:must either provide a name" install "$chart" -f prod.yaml --cmf-no-cluster
	case_ "install --generate-name=false CHART" "2:must either provide a name" install --generate-name=false "$chart" -f prod.yaml --cmf-no-cluster
	case_ "bool with =value not a boolean" "2:not a boolean" install -g=maybe "$chart" -f prod.yaml --cmf-no-cluster
	case_ "--cmf-strict=true and a wrapper flag as value of -f" "2:" template r "$chart" -f --cmf-strict
	case_ "template --dry-run=client -f prod" mount template r "$chart" --dry-run=client -f prod.yaml
	case_ "-n flink -f prod.yaml" mount template -nflink r "$chart" -f prod.yaml

	# -f -: stdin once, a private file, removed
	"$helm" cmf-validate template r "$chart" -f - <prod.yaml >out.yaml 2>err.txt
	[ $? = 0 ] && mount out.yaml && ok "helm$m: -f - (stdin)" || no "helm$m: -f -" "$(cat err.txt)"
	"$helm" cmf-validate template r "$chart" -f mode.yaml,- <key.yaml >out.yaml 2>err.txt
	[ $? = 0 ] && mount out.yaml && ok "helm$m: -f a,- (stdin in a list)" || no "helm$m: -f a,-" "$(cat err.txt)"
	"$helm" cmf-validate template r "$chart" -f - <mode.yaml >out.yaml 2>err.txt
	[ $? = 1 ] && grep -q CMF001 err.txt && ok "helm$m: -f - with production and no key stops" || no "helm$m: -f - no key" "$(cat err.txt)"
	[ -z "$(ls -A "$TMPDIR")" ] && ok "helm$m: nothing left in \$TMPDIR" || no "helm$m: left in TMPDIR" "$(ls -la "$TMPDIR")"
	# SIGTERM while it waits on stdin: the private file goes too
	rm -f fifo; mkfifo fifo
	HELM_BIN=$helm "$plug/bin/cmf-validate" template r "$chart" -f - <fifo >/dev/null 2>&1 &
	pid=$!
	exec 7>fifo
	for _ in $(seq 100); do [ -n "$(ls -A "$TMPDIR")" ] && break; sleep 0.05; done
	made=$(ls "$TMPDIR")
	perm=$(stat -c %a "$TMPDIR"/* 2>/dev/null)
	kill -TERM $pid; wait $pid; rc=$?
	exec 7>&-
	[ -n "$made" ] && [ "$perm" = 600 ] && [ $rc = 143 ] && [ -z "$(ls -A "$TMPDIR")" ] &&
		ok "helm$m: SIGTERM during -f -: the 0600 copy ($made) is removed, exit 143" || no "helm$m: SIGTERM cleanup: made '$made' mode '$perm' exit $rc, left: $(ls "$TMPDIR")"

	# charts that are not a local folder: pulled or unpacked, then checked
	url=http://127.0.0.1:$port
	case_ "--repo URL chart, a pre-release without --devel" "3:helm pull" template r cmf-nokey --repo "$url"
	case_ "--repo URL --devel chart (defaults: production, no key)" "1:CMF001" template r cmf-nokey --repo "$url" --devel
	case_ "--repo URL chart (defaults: production with key)" mount template r cmf-key --repo "$url"
	case_ "--repo=URL --version 0.1.0" mount template r cmf-key --repo="$url" --version 0.1.0
	case_ "--repo URL --version that does not exist" "3:helm pull" template r cmf-key --repo "$url" --version 9.9.9
	case_ "local archive (production, no key)" "1:CMF001" template r "$tmp"/repo/cmf-nokey-*.tgz
	case_ "local archive (production with key)" mount template r "$tmp"/repo/cmf-key-*.tgz
	"$helm" repo add local "$url" >/dev/null 2>&1
	case_ "repo/chart reference --devel (production, no key)" "1:CMF001" template r local/cmf-nokey --devel
	case_ "repo/chart reference (production with key)" mount template r local/cmf-key
	case_ "oci:// reference that cannot be pulled" "3:helm pull" template r oci://127.0.0.1:1/charts/cmf
	[ -z "$(ls -A "$TMPDIR")" ] && ok "helm$m: no pulled chart left in \$TMPDIR" || no "helm$m: pulled chart left" "$(ls -la "$TMPDIR")"

	# upgrade: the guard reads the release Helm upgrades (stand-in serves
	# `helm get values`: cmf-dev was deployed in development mode)
	export CMFV_REAL_HELM=$helm CMFV_KUBECTL=$tmp/kubectl-empty
	printf '#!/bin/sh\necho %s\n' "'{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}'" >"$CMFV_KUBECTL"
	chmod +x "$CMFV_KUBECTL"
	HELM_BIN=$root/tests/upgrade/helm-standin.sh "$plug/bin/cmf-validate" upgrade -if prod.yaml cmf-dev "$chart" --cmf-no-cluster >out.yaml 2>err.txt </dev/null
	rc=$?
	[ $rc = 1 ] && grep -q CMF040 err.txt && ok "helm$m: upgrade -if FILE cmf-dev CHART: the guard reads cmf-dev (CMF040)" || no "helm$m: upgrade -if (exit $rc)" "$(cat err.txt)"
	HELM_BIN=$root/tests/upgrade/helm-standin.sh "$plug/bin/cmf-validate" upgrade --install cmf-dev -f prod.yaml "$chart" --cmf-no-cluster >out.yaml 2>err.txt </dev/null
	[ $? = 1 ] && grep -q CMF040 err.txt && ok "helm$m: upgrade --install NAME -f FILE CHART: the guard reads NAME" || no "helm$m: upgrade --install" "$(cat err.txt)"
	# control: release cmf was deployed in production mode with the same key
	HELM_BIN=$root/tests/upgrade/helm-standin.sh "$plug/bin/cmf-validate" upgrade -if prod.yaml cmf "$chart" --cmf-no-cluster >out.yaml 2>err.txt </dev/null
	! grep -q CMF04 err.txt && grep -q 'UPGRADE FAILED\|cluster unreachable' err.txt && ok "helm$m: upgrade -if FILE cmf CHART: guard passes, Helm runs (and needs a cluster)" || no "helm$m: upgrade control" "$(cat err.txt)"
	unset CMFV_REAL_HELM CMFV_KUBECTL

	# umbrella charts: CMF as a subchart (plain, alias, two, condition on and
	# off, packaged .tgz); the rendered configuration decides, so the mounts
	# are counted against the production instances plain Helm renders
	umbrella() { # name values-yaml want(count|fail[:text]) [packaged [wrapper flags...]]
		local u=$tmp/umb$m-$1 got rendered
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
		printf '%s\n' "$2" >uv.yaml
		rendered=$("$helm" template rel "$u" -f uv.yaml 2>/dev/null | grep -Ec '^ +production: true$')
		"$helm" cmf-validate template rel "$u" -f uv.yaml "${@:5}" >out.yaml 2>err.txt </dev/null
		local rc=$?
		got=$(grep -c 'mountPath: /opt/cmf/encryption' out.yaml)
		if [ "${3%%:*}" = fail ]; then
			local why=${3#fail}; why=${why#:}
			[ $rc != 0 ] && grep -q "${why:-CMF00}" err.txt && ok "helm$m: umbrella $1 through the wrapper: stops, and says why" ||
				no "helm$m: umbrella $1: exit $rc" "$(cat err.txt)"
		else
			[ $rc = 0 ] && [ "$got" = "$3" ] && [ "$got" = "$rendered" ] &&
				ok "helm$m: umbrella $1 through the wrapper: $got mount(s), one per production CMF" ||
				no "helm$m: umbrella $1: exit $rc, $got mounts, want $3 (rendered production: $rendered)" "$(cat err.txt)"
		fi
	}
	p='cmf: {sql: {production: true}}'
	k='encryption: {key: {kubernetesSecretName: k, kubernetesSecretProperty: p}}'
	umbrella plain "confluent-manager-for-apache-flink: {$p, $k}" 1
	umbrella parent-only "$p"$'\n'"$k" 0
	umbrella alias "cmf-b: {enabled: true, $p, $k}" 1
	umbrella two "confluent-manager-for-apache-flink: {$p, $k}"$'\n'"cmf-b: {enabled: true, nameOverride: cmf-b, $p, $k}" 2
	umbrella condition-on "main: {enabled: true}"$'\n'"confluent-manager-for-apache-flink: {$p, $k}" 1
	umbrella condition-off "main: {enabled: false}"$'\n'"confluent-manager-for-apache-flink: {$p, $k}" 0
	umbrella packaged "confluent-manager-for-apache-flink: {$p, $k}" 1 packaged
	umbrella subchart-no-key "confluent-manager-for-apache-flink: {$p}" fail
	umbrella alias-no-key "cmf-b: {enabled: true, $p}" fail
	# the key Secret named by the subchart's rendered configuration is checked
	umbrella subchart-secret-file "confluent-manager-for-apache-flink: {$p, $k}" 1 plain --cmf-secret-file k-good.yaml
	grep -q 'cmf-validate.io/key-kcv' out.yaml && ok "helm$m: umbrella: the subchart's key KCV recorded" || no "helm$m: umbrella: no KCV annotation"
	umbrella subchart-double-encoded "confluent-manager-for-apache-flink: {$p, $k}" fail:CMF024 plain --cmf-secret-file k-b64.yaml
	unset -f umbrella

	# Helm 4: the post-renderer plugin is found inside the plugin folder,
	# with nothing installed; Helm 3 never sees it
	before=$(ls -la "$HELM_PLUGINS")
	if [ "$m" = 4 ]; then
		"$helm" plugin list 2>&1 | grep -q cmf-post-renderer && no "helm4: cmf-post-renderer should not be installed"
		"$helm" cmf-validate template r "$chart" -f prod.yaml >out.yaml 2>err.txt
		[ $? = 0 ] && mount out.yaml && ok "helm4: wrapper works straight after plugin install (nested post-renderer)" || no "helm4: nested post-renderer" "$(cat err.txt)"
		HELM_PLUGINS="$("$helm" env HELM_PLUGINS):$("$helm" env HELM_PLUGINS)/cmf-validate/postrenderer" \
			"$helm" template r "$chart" -f prod.yaml --post-renderer cmf-post-renderer \
			--post-renderer-args -f --post-renderer-args prod.yaml >out.yaml 2>err.txt
		[ $? = 0 ] && mount out.yaml && ok "helm4: the README one-liner (HELM_PLUGINS=...:.../cmf-validate/postrenderer)" || no "helm4: raw one-liner" "$(cat err.txt)"
	else
		out=$("$helm" plugin list 2>&1)
		[ $? = 0 ] && grep -q '^cmf-validate' <<<"$out" && ! grep -q cmf-post-renderer <<<"$out" &&
			ok "helm3: plugins load; the nested post-renderer is not seen" || no "helm3: plugin list" "$out"
	fi
	[ "$before" = "$(ls -la "$HELM_PLUGINS")" ] && ok "helm$m: nothing written to HELM_PLUGINS" || no "helm$m: HELM_PLUGINS changed"
	unset -f case_
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
