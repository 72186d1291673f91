#!/bin/bash
# Submit a sharded mailflow sweep to Slurm: the array of shards, then the merge, which waits for
# every shard to end (`afterany`: also when one failed, so it never waits forever) and fails
# with the list of missing points if a shard did not finish.
set -euo pipefail
cd "$(dirname "$0")/../.."          # the repository root: scenarios/ is relative to it
: "${SHARDS:=4}"
export SHARDS
mkdir -p shards
jid=$(sbatch --parsable --array="1-$SHARDS" examples/cluster/sweep.sbatch)
sbatch --dependency="afterany:$jid" examples/cluster/merge.sbatch
