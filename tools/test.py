"""Sample from a trained SinGAN with its fixed noises and noise amplitudes.

    python tools/test.py CONFIG CHECKPOINT \
        --cfg-options test_cfg.pkl_data=work_dir/pickle/iter_N.pkl

Writes ``sample_XX.png``, ``reconstruction.png`` and ``grid.png`` to
``WORK_DIR/test_samples`` (or ``--out-dir``) and prints where they are.
"""
import argparse
import os.path as osp
import sys

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config

from singan.apis import load_model
from singan.apis.limits import memory_budget
from singan.apis.request_checks import check_batch_request
from singan.cli import CfgOptionsAction, run_cli
from singan.config_keys import apply_path_arguments, merge_cli_options
from singan.fileio import make_grid, save_image, tensor_to_image
from singan.fileio.paths import check_output_dir
from singan.resources import find_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Sample from a SinGAN')
    parser.add_argument('config', help='config the model was trained with '
                        '(path or name)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='output root (default: '
                        './work_dirs/<config name>)')
    parser.add_argument('--out-dir', help='output folder (default: '
                        'WORK_DIR/test_samples)')
    parser.add_argument('--num-samples', type=int, default=8,
                        help='number of random samples')
    parser.add_argument('--seed', type=int, default=0, help='noise seed')
    parser.add_argument('--pkl', help='pickle of fixed noises (sets '
                        'test_cfg.pkl_data; spaces in the path are kept)')
    parser.add_argument('--image', help='the training image, if it moved '
                        '(sets train_dataloader.dataset.data_root)')
    parser.add_argument('--max-memory', type=float, default=None,
                        metavar='GB', help='memory the run may use; more '
                        'samples are refused up front (default: 80%% of the '
                        'free memory of the device)')
    parser.add_argument('--device', default=None,
                        help="'cpu' or 'cuda' (default: cuda if available)")
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override config settings, e.g. test_cfg.pkl_data=PATH')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher (dist_test.sh)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.num_samples < 1:
        raise ValueError(f'--num-samples={args.num_samples} must be >= 1.')
    cfg = Config.fromfile(find_config(args.config))
    merge_cli_options(cfg, args.cfg_options)
    apply_path_arguments(cfg, args)
    work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    out_dir = args.out_dir or osp.join(work_dir, 'test_samples')
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    budget = memory_budget(device, args.max_memory)
    check_output_dir(out_dir, '--out-dir' if args.out_dir else '--work-dir')
    model = load_model(cfg, args.checkpoint, args.pkl, device=device)
    check_batch_request(model, args.num_samples, budget, '--num-samples')
    rank, world = _dist_info(args.launcher)
    rng = torch.Generator(device=device).manual_seed(args.seed + rank)
    samples = model.sample(args.num_samples, generator=rng)
    images = [tensor_to_image(model.reconstruct()[0])]
    prefix = f'rank{rank}_' if world > 1 else ''
    save_image(images[0], osp.join(out_dir, 'reconstruction.png'))
    for i, sample in enumerate(samples):
        images.append(tensor_to_image(sample))
        save_image(images[-1], osp.join(out_dir, f'{prefix}sample_{i:02d}.png'))
    grid = osp.join(out_dir, f'{prefix}grid.png')
    save_image(make_grid(images, ncols=min(len(images), 5)), grid)
    print(f'Wrote {args.num_samples} samples and the reconstruction to '
          f'{osp.abspath(out_dir)}; grid (reconstruction first): '
          f'{osp.abspath(grid)}')


def _dist_info(launcher: str):
    """Rank and world size; initialises torch.distributed when launched."""
    if launcher == 'none':
        return 0, 1
    from singan.engine import init_distributed
    return init_distributed(launcher)


if __name__ == '__main__':
    sys.exit(run_cli(main, 'lower --num-samples (or run with --device cpu)'))
