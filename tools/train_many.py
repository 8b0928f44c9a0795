"""Train one independent SinGAN per image of a folder, spread over processes.

    # local processes (CPU, or one GPU each, round robin)
    python tools/train_many.py CONFIG IMAGE_DIR --work-dir DIR --num-procs 2
    # over the ranks of a torchrun job (each rank takes every N-th image)
    torchrun --nproc_per_node=2 tools/train_many.py CONFIG IMAGE_DIR \
        --work-dir DIR --launcher pytorch

Each image trains through ``tools/train.py`` in its own process, with
``num_scales`` derived from the image, into ``DIR/<image name>/`` (log,
checkpoints, ``pickle/``, snapshots and ``train.log``). At the end rank 0
writes ``DIR/summary.json`` and prints one line per image.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import _bootstrap  # noqa: F401
import torch

from singan.cli import run_cli
from singan.engine import init_distributed

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
#: Variables of the launching job that the per-image runs must not inherit.
_DIST_VARS = ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE',
              'GROUP_RANK', 'ROLE_RANK', 'MASTER_ADDR', 'MASTER_PORT',
              'TORCHELASTIC_RUN_ID')
TRAIN = osp.join(osp.dirname(osp.abspath(__file__)), 'train.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train one SinGAN per image of a folder')
    parser.add_argument('config', help='train config for every image')
    parser.add_argument('image_dir', help='folder of training images')
    parser.add_argument('--work-dir', default='work_dirs/many',
                        help='one sub-folder per image is made here')
    parser.add_argument('--num-procs', type=int, default=1,
                        help='images trained at once by this process')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='config overrides for every image (key=value)')
    parser.add_argument('--launcher', choices=['none', 'pytorch'],
                        default='none', help='spread over torchrun ranks')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def find_images(image_dir: str) -> List[str]:
    """Image files of a folder, sorted, with distinct names.

    Args:
        image_dir (str): The folder.

    Returns:
        list[str]: Absolute paths.
    """
    if not osp.isdir(image_dir):
        raise FileNotFoundError(f'{image_dir!r} is not a folder of images.')
    images = sorted(
        osp.abspath(osp.join(image_dir, f)) for f in os.listdir(image_dir)
        if f.lower().endswith(IMAGE_EXTS))
    if not images:
        raise FileNotFoundError(f'No {"/".join(IMAGE_EXTS)} images in '
                                f'{image_dir!r}.')
    names = [_name(p) for p in images]
    twins = sorted({n for n in names if names.count(n) > 1})
    if twins:
        raise ValueError(f'Images share the names {twins} (their work dirs '
                         'would collide); rename them.')
    return images


def _name(image: str) -> str:
    return osp.splitext(osp.basename(image))[0]


def _child_env(slot: int, threads: int) -> Dict[str, str]:
    """Environment of one training process: no job variables, one GPU."""
    env = {k: v for k, v in os.environ.items() if k not in _DIST_VARS}
    env.setdefault('OMP_NUM_THREADS', str(threads))
    gpus = torch.cuda.device_count()
    if gpus:
        env['CUDA_VISIBLE_DEVICES'] = str(slot % gpus)
    return env


def train_one(image: str, args: argparse.Namespace, slot: int,
              threads: int, rank: int) -> dict:
    """Train one image in a ``tools/train.py`` process; report the result.

    Args:
        image (str): The image.
        args (argparse.Namespace): This tool's arguments.
        slot (int): Index of the process slot (picks the GPU).
        threads (int): CPU threads for it.
        rank (int): Rank that ran it, for the summary.

    Returns:
        dict: image, work_dir, status, checkpoint, pickle, seconds, rank,
        error (last line of the output when it failed).
    """
    work_dir = osp.abspath(osp.join(args.work_dir, _name(image)))
    os.makedirs(work_dir, exist_ok=True)
    options = [f'train_dataloader.dataset.data_root={image}',
               'model.num_scales=None', 'model.generator.num_scales=None',
               'model.discriminator.num_scales=None'] + args.cfg_options
    start = time.time()
    with open(osp.join(work_dir, 'train.log'), 'w') as log:
        proc = subprocess.run(
            [sys.executable, TRAIN, args.config, '--work-dir', work_dir,
             '--cfg-options', *options], stdout=log, stderr=subprocess.STDOUT,
            env=_child_env(slot, threads))
    result = dict(image=image, work_dir=work_dir, rank=rank,
                  seconds=round(time.time() - start, 1), checkpoint=None,
                  pickle=None, status='ok' if proc.returncode == 0 else
                  'failed', error=None)
    last = osp.join(work_dir, 'last_checkpoint')
    if proc.returncode == 0 and osp.isfile(last):
        with open(last) as f:
            result['checkpoint'] = f.read().strip()
        name = osp.splitext(osp.basename(result['checkpoint']))[0]
        result['pickle'] = osp.join(work_dir, 'pickle', f'{name}.pkl')
    else:
        result['status'] = 'failed'
        with open(osp.join(work_dir, 'train.log')) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        result['error'] = lines[-1] if lines else f'exit {proc.returncode}'
    return result


def write_summary(results: List[dict], work_dir: str) -> str:
    """Write ``summary.json`` and print one line per image.

    Args:
        results (list[dict]): From :func:`train_one`, all ranks.
        work_dir (str): Where to write.

    Returns:
        str: The path of the summary.
    """
    results = sorted(results, key=lambda r: r['image'])
    path = osp.join(work_dir, 'summary.json')
    with open(path, 'w') as f:
        json.dump(results, f, indent=1)
    for r in results:
        where = r['checkpoint'] if r['status'] == 'ok' else r['error']
        print(f"{r['status']:6s} {_name(r['image']):24s} rank {r['rank']} "
              f"{r['seconds']:7.1f}s  {where}")
    failed = sum(r['status'] != 'ok' for r in results)
    print(f'{len(results) - failed}/{len(results)} images trained; summary: '
          f'{osp.abspath(path)}')
    return path


def main() -> None:
    args = parse_args()
    if args.num_procs < 1:
        raise ValueError(f'--num-procs={args.num_procs} must be >= 1.')
    images = find_images(args.image_dir)
    # the process group only coordinates (gloo works with or without GPUs)
    rank, world = init_distributed(args.launcher, backend='gloo')
    mine = images[rank::world]
    local_world = int(os.environ.get('LOCAL_WORLD_SIZE', world))
    threads = max(1, (os.cpu_count() or 1) // (args.num_procs * local_world))
    os.makedirs(args.work_dir, exist_ok=True)
    local_rank = int(os.environ.get('LOCAL_RANK', 0))
    with ThreadPoolExecutor(args.num_procs) as pool:
        futures = [
            pool.submit(train_one, image, args,
                        local_rank * args.num_procs + i % args.num_procs,
                        threads, rank) for i, image in enumerate(mine)
        ]
        results = [f.result() for f in futures]
    if world > 1:
        from mmengine.dist import all_gather_object
        results = [r for part in all_gather_object(results) for r in part]
        torch.distributed.destroy_process_group()
    if rank == 0:
        write_summary(results, args.work_dir)
    if any(r['status'] != 'ok' for r in results):
        sys.exit(1)  # the summary names the failed images


if __name__ == '__main__':
    sys.exit(run_cli(main))
