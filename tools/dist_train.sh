#!/usr/bin/env bash
# Train on several processes with torchrun: one per GPU, or CPU processes
# (gloo) on a machine without CUDA.
#
#   tools/dist_train.sh CONFIG GPUS [train.py options]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 tools/dist_train.sh CONFIG 8
#
# Data-parallel SinGAN: every process draws its own noise, gradients are
# averaged before each optimizer step, rank 0 writes checkpoints and pickles
# (docs/distributed.md).
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: $0 CONFIG GPUS [train.py options]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
shift 2
exec "$(dirname "$0")/_dist_launch.sh" train.py "$GPUS" "$CONFIG" "$@"
