#!/bin/bash
# A sharded mailflow sweep on one host with GNU parallel (Debian package `parallel`): one shard
# per core, one thread each, then the merge. `-q` keeps `<` in the SLO from being read as a
# redirect. A failed shard makes `parallel` exit non-zero; run this again and `--resume` redoes
# only the missing points.
set -euo pipefail
: "${SHARDS:=4}"
: "${SCENARIO:=scenarios/mx-to-eop.yaml}"
: "${VARY:=traffic.inbound.rate=100000/d..250000/d:4}"
: "${SLO:=queue.eop.peak<50000}"
: "${REPLICATIONS:=5}"
: "${SHARD_ROOT:=shards}"
: "${REPORT:=reports/sweep-parallel}"
: "${EXTRA:=}"                                     # more options, e.g. "--set duration=1d"
read -ra extra <<< "$EXTRA"

parallel -q -j "$SHARDS" mailflow sweep "$SCENARIO" --vary "$VARY" --slo "$SLO" \
  --replications "$REPLICATIONS" --jobs 1 --shard "{}/$SHARDS" --resume \
  --out "$SHARD_ROOT/{}" --quiet "${extra[@]}" ::: $(seq 1 "$SHARDS")
dirs=()
for k in $(seq 1 "$SHARDS"); do dirs+=("$SHARD_ROOT/$k"); done
mailflow merge "${dirs[@]}" --out "$REPORT"
