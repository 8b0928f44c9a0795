"""Train SinGAN with mmengine's Runner.

    python tools/train.py configs/singan/singan_balloons.py
    python tools/train.py CONFIG --resume            # continue the last run
    python tools/train.py CONFIG --threads 1         # force the CPU threads
    python tools/train.py CONFIG --cfg-options \
        train_dataloader.dataset.data_root=my.png model.num_scales=None
"""
import argparse
import os
import sys

import _bootstrap  # noqa: F401
from mmengine.config import Config

from singan.cli import CfgOptionsAction, run_cli
from singan.config_keys import apply_path_arguments, merge_cli_options
from singan.resources import find_config
from singan.training import default_work_dir, prepare_run, train


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a SinGAN model')
    parser.add_argument('config', help='config file path or name, e.g. '
                        'singan_balloons')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--image', help='the training image (sets train_dataloader.dataset.'
        'data_root; spaces in the path are kept, unlike in --cfg-options)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='train into a work dir that holds the checkpoints of an earlier '
        'run, replacing them (without it, such a run is refused)')
    parser.add_argument(
        '--threads', type=_positive, metavar='N',
        help='CPU threads of training (sets train_cfg.threads; default: '
        'chosen per scale by timing, re-checked as it runs)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value pairs (xxx=yyy)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{value} must be >= 1')
    return value


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    merge_cli_options(cfg, args.cfg_options)
    if args.threads is not None:
        cfg.train_cfg.threads = args.threads
    apply_path_arguments(cfg, args)
    work_dir = args.work_dir or cfg.get('work_dir', None) or \
        default_work_dir(args.config)
    prepare_run(cfg, work_dir, args.resume, args.overwrite, args.launcher)
    train(cfg)
    print(f'Training finished. Checkpoints, pickle and snapshots are in '
          f'{os.path.abspath(cfg.work_dir)}')


if __name__ == '__main__':
    sys.exit(run_cli(main, 'lower train_dataloader.dataset.max_size (the '
                     'finest scale), or train on the CPU with more memory'))
