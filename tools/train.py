"""Train SinGAN with mmengine's Runner.

    python tools/train.py configs/singan/singan_balloons.py
    python tools/train.py CONFIG --resume            # continue the last run
    python tools/train.py CONFIG --cfg-options \
        train_dataloader.dataset.data_root=my.png model.num_scales=None
"""
import argparse
import os
import os.path as osp
import sys

import _bootstrap  # noqa: F401
from mmengine.config import Config

from singan.cli import CfgOptionsAction, run_cli
from singan.config_keys import apply_path_arguments, merge_cli_options
from singan.config import prepare_config
from singan.engine import init_distributed
from singan.fileio.paths import check_output_dir
from singan.resources import find_config
from singan.work_dir import SinGANRunner, check_earlier_run


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


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    merge_cli_options(cfg, args.cfg_options)
    apply_path_arguments(cfg, args)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    prepare_config(cfg)
    check_output_dir(cfg.work_dir, '--work-dir')
    check_earlier_run(cfg.work_dir, bool(cfg.get('resume')), args.overwrite)
    init_distributed(cfg.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    runner = SinGANRunner.from_cfg(cfg)
    runner.train()
    runner.publish_config()
    print(f'Training finished. Checkpoints, pickle and snapshots are in '
          f'{osp.abspath(cfg.work_dir)}')


if __name__ == '__main__':
    sys.exit(run_cli(main, 'lower train_dataloader.dataset.max_size (the '
                     'finest scale), or train on the CPU with more memory'))
