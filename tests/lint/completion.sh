#!/usr/bin/env bash
# completion.yaml (Helm's plugin completion file) matches the binary's flags.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
if diff <("$bin" __completion) "$root/completion.yaml"; then
	echo "1 passed, 0 failed"
else
	echo "completion.yaml is stale: run '$bin __completion > completion.yaml'"
	echo "0 passed, 1 failed"
	exit 1
fi
