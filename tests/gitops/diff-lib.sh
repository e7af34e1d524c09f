# Shared by argocd-diff.sh and flux-diff.sh (sourced, not run): each case
# file holds the expectation in its first lines,
#   # want: helm CHART ARGS...      the equivalent `helm template` arguments
#   # want: exit N TEXT             cmf-validate exits N and says TEXT on stderr
#   # flags: ARGS                   more cmf-validate flags
# and the caller defines `ours CASE MAJOR EXTRA...` (cmf-validate's values
# as JSON on stdout) before calling diff_run CASES_DIR. The real Helm's
# .Values come from the values-dump chart (toJson in a ConfigMap).
# Callers set: bin, majors (array), tmp (set up by diff_setup).
set -u

# A private Helm home and the Helm binaries of "${majors[@]}".
diff_setup() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	export HELM_CACHE_HOME=$tmp/home/cache HELM_CONFIG_HOME=$tmp/home/config \
		HELM_DATA_HOME=$tmp/home/data HELM_PLUGINS=$tmp/home/plugins KUBECONFIG=$tmp/home/kubeconfig
	unset HELM_NAMESPACE ARGOCD_APP_REVISION
	declare -gA helm
	local m
	for m in "${majors[@]}"; do
		helm[$m]=$(bash "$root/tests/helm/fetch-helm.sh" "$m") || { echo "cannot fetch Helm $m"; exit 1; }
	done
	pass=0 fail=0
}

# One case under one Helm major: compare, count, say PASS/FAIL.
diff_case() { # CASE MAJOR
	local f=$1 m=$2 name want flags rc code text
	name=$(basename "$f" .yaml)
	want=$(sed -n 's/^# want: //p' "$f" | head -1)
	flags=$(sed -n 's/^# flags: //p' "$f" | head -1)
	eval "extra=($flags)"
	ours "$f" "$m" "${extra[@]}" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	case $want in
	exit\ *)
		code=${want#exit }
		text=${code#* }
		code=${code%% *}
		if [ "$rc" = "$code" ] && grep -qF -- "$text" "$tmp/err"; then
			pass=$((pass + 1)); echo "PASS $name (helm $m)"
		else
			fail=$((fail + 1)); echo "FAIL $name (helm $m): exit $rc, want $code with '$text'"; head -3 "$tmp/err"
		fi
		;;
	helm\ *)
		eval "hargs=(${want#helm })"
		if ! "${helm[$m]}" template cmf "${hargs[@]}" >"$tmp/h" 2>"$tmp/herr"; then
			fail=$((fail + 1)); echo "FAIL $name (helm $m): helm failed: $(head -c 300 "$tmp/herr")"
			return
		fi
		sed -n 's/^  json: "\(.*\)"$/\1/p' "$tmp/h" | base64 -d >"$tmp/want" && echo >>"$tmp/want"
		if [ $rc = 0 ] && cmp -s "$tmp/got" "$tmp/want"; then
			pass=$((pass + 1)); echo "PASS $name (helm $m)"
		else
			fail=$((fail + 1)); echo "FAIL $name (helm $m): exit $rc"; head -3 "$tmp/err"; diff "$tmp/want" "$tmp/got" | head -5
		fi
		;;
	*) fail=$((fail + 1)); echo "FAIL $name: no '# want:' line" ;;
	esac
}

# Every case in CASES_DIR under every Helm major; the exit status says.
diff_run() { # CASES_DIR
	local f m
	for f in "$1"/*.yaml; do
		for m in "${majors[@]}"; do
			diff_case "$f" "$m"
		done
	done
	echo "$pass passed, $fail failed"
	[ $fail = 0 ]
}
