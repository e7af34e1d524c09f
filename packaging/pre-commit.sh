#!/bin/sh
# pre-commit entry: build cmf-validate once (into bin/), then run it.
#   pre-commit.sh check ARGS...       one run
#   pre-commit.sh check-each FILES... one check per values file
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
HELM_PLUGIN_DIR=$here sh "$here/packaging/build-plugin.sh"
bin=$here/bin/cmf-validate
if [ "${1:-}" = check-each ]; then
	shift
	rc=0
	for f in "$@"; do
		"$bin" check -f "$f" || { r=$?; [ $r -gt $rc ] && rc=$r; }
	done
	exit $rc
fi
exec "$bin" "$@"
