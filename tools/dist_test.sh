#!/usr/bin/env bash
# Sample from a trained SinGAN on several processes with torchrun: one per
# GPU, or CPU processes (gloo) without CUDA. Each rank draws its own samples
# (seed + rank) and writes rank<r>_sample_XX.png.
#
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT GPUS [test.py options]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
shift 3
exec "$(dirname "$0")/_dist_launch.sh" test.py "$GPUS" "$CONFIG" "$CHECKPOINT" "$@"
