#!/usr/bin/env bash
# A stand-in for $HELM_BIN: it answers `helm get values NAME --all -o json`
# from recorded output (testdata/upgrade/release/<NAME>.json, as the real
# `helm get values` prints it) and "release: not found" otherwise. Without a
# cluster the real helm cannot report a deployed release, hence this script;
# every other command goes to the real Helm in $CMFV_REAL_HELM.
dir=$(cd "$(dirname "$0")/../../testdata/upgrade/release" && pwd)
if [ "$1" = get ] && [ "$2" = values ]; then
	if [ -f "$dir/$3.json" ]; then cat "$dir/$3.json"; exit 0; fi
	echo "Error: release: not found" >&2
	exit 1
fi
exec "${CMFV_REAL_HELM:?}" "$@"
