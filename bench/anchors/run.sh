#!/bin/bash
# The hub beside PostGraphile (../shared/bench-anchors), with its "anonymous" slots played by a
# partner: since issue 11 an anonymous caller reads no volunteer record (it gets FORBIDDEN, and
# counts per cell on the map), so the least privileged caller that can run the `near` document
# is a partner (coarsened homes, masked names), with `hub token --role partner`. And the hub is
# served as `hub serve --workers 2` serves it (python -m hub.serve: each worker its own
# SO_REUSEPORT socket) rather than by uvicorn's --workers. hub.patch makes these two changes to
# a scratch copy of the harness and nothing else; every other setting, slot, verification and
# the table are the harness's own.
#   bench/anchors/run.sh [compare.sh's arguments]     (make bench-anchors ARGS="--quick")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
project="$(cd "$here/../.." && pwd)"
source="${ANCHORS_SOURCE:-$project/../shared/bench-anchors}"
copy="${TMPDIR:-/tmp}/hub-bench-anchors"
rm -rf "$copy" && cp -r "$source" "$copy"
patch -s -d "$copy" -p1 < "$here/hub.patch"
cd "$project" && exec "$copy/compare.sh" "$@"
