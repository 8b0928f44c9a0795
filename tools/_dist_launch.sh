#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh: run one of tools/*.py under
# torchrun with OpenMMLab's environment variables.
#
#   tools/_dist_launch.sh SCRIPT NPROC [script arguments]
#
# NNODES, NODE_RANK, MASTER_ADDR and PORT set the rendezvous (defaults: one
# node on 127.0.0.1:29500); PYTHON picks the interpreter.
set -euo pipefail

SCRIPT=$1
NPROC=$2
shift 2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT/tools/$SCRIPT" "$@" --launcher pytorch
