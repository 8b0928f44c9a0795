"""Test a trained SinGAN through mmengine's ``Runner.test()``.

    python tools/test.py CONFIG CHECKPOINT \
        --cfg-options test_cfg.pkl_data=work_dir/pickle/iter_N.pkl \
        [--out metrics.json]

Loads the model with its fixed noises and noise amplitudes
(``singan.apis.load_model``: our checkpoints, mmagic's, imported authors'
models), then runs the Runner's test loop (``SinGANTestLoop``): it draws
``--num-samples`` samples (default 8, seeded by ``--seed``) and the
reconstruction, writes ``sample_XX.png``, ``reconstruction.png`` and
``grid.png`` to ``WORK_DIR/test_samples`` (or ``--out-dir``), and computes the
config's ``test_evaluator`` metrics (ours: SWD, diversity, reconstruction
RMSE) against the training image (``train_dataloader.dataset``, or
``--image``). A config without ``test_evaluator``, or a training image that
is not there, gives samples only. ``--out`` writes the metrics as JSON.
"""
import argparse
import json
import os.path as osp
import shutil
import sys
import tempfile

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config

from singan.apis import load_model
from singan.apis.limits import memory_budget
from singan.apis.request_checks import check_batch_request
from singan.cli import CfgOptionsAction, UserInputError, run_cli
from singan.devices import check_device
from singan.config_keys import apply_path_arguments, merge_cli_options
from singan.fileio import atomic_write_bytes
from singan.fileio.paths import check_output_dir
from singan.resources import find_config
from singan.work_dir import SinGANRunner


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test a SinGAN: samples, reconstruction, metrics')
    parser.add_argument('config', help='config the model was trained with '
                        '(path or name)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='output root (default: '
                        './work_dirs/<config name>)')
    parser.add_argument('--out-dir', help='output folder (default: '
                        'WORK_DIR/test_samples)')
    parser.add_argument('--num-samples', type=int, default=8,
                        help='number of random samples (default 8: the '
                        'metrics take a few seconds on a CPU)')
    parser.add_argument('--out', help='JSON file for the metrics of the '
                        "config's test_evaluator")
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
    device = check_device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    budget = memory_budget(device, args.max_memory)
    image = _metrics_image(cfg, args.out)
    check_output_dir(out_dir, '--out-dir' if args.out_dir else '--work-dir')
    if args.out:
        check_output_dir(osp.dirname(osp.abspath(args.out)), '--out')
    model = load_model(cfg, args.checkpoint, args.pkl, device=device)
    check_batch_request(model, args.num_samples, budget, '--num-samples')
    rank, world = _dist_info(args.launcher)
    prefix = f'rank{rank}_' if world > 1 else ''
    # Without --work-dir, --out-dir holds only the images; the Runner's log
    # folder is then temporary.
    log_root = args.work_dir or (tempfile.mkdtemp(prefix='singan_test_')
                                 if args.out_dir else work_dir)
    try:
        runner = _build_runner(cfg, model, log_root, image, args, rank,
                               dict(type='SinGANTestSamplesHook',
                                    out_dir=out_dir, prefix=prefix))
        runner.model.to(device)  # the Runner moves it to its default device
        metrics = runner.test()
    finally:
        if log_root not in (args.work_dir, work_dir):
            shutil.rmtree(log_root, ignore_errors=True)
    grid = osp.join(out_dir, f'{prefix}grid.png')
    print(f'Wrote {args.num_samples} samples and the reconstruction to '
          f'{osp.abspath(out_dir)}; grid (reconstruction first): '
          f'{osp.abspath(grid)}')
    _report_metrics(metrics, model, args, rank, world)


def _metrics_image(cfg: Config, out: str):
    """The training image's dataset config for the metrics, or ``None``.

    ``None`` when the config has no ``test_evaluator`` or the image is not
    there (samples only, with a note); with ``--out`` both are refused.
    """
    if not cfg.get('test_evaluator'):
        if out:
            raise UserInputError(
                f'--out {out}: the config has no test_evaluator, so there '
                'are no metrics to write. Add one (see configs/singan/_base_/'
                'singan.py), or leave out --out.')
        return None
    dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    path = (dataset or {}).get('data_root')
    if path and osp.isfile(path):
        return dataset
    if out:
        raise UserInputError(
            f'--out {out}: the metrics compare the samples with the training '
            f'image, and {path!r} is not there. Pass it with --image PATH.')
    print(f'Metrics skipped: the training image {path!r} is not there (pass '
          'it with --image PATH); writing samples only.')
    return None


def _build_runner(cfg: Config, model, work_dir: str, image, args,
                  rank: int, writer: dict) -> SinGANRunner:
    """A Runner whose test loop samples the loaded model."""
    metrics = list(cfg.get('test_evaluator') or []) if image else []
    return SinGANRunner(
        model=model,
        work_dir=work_dir,
        test_dataloader=dict(
            batch_size=1, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            dataset=dict(type='SinGANTestDataset', image=image)),
        test_cfg=dict(type='SinGANTestLoop', num_samples=args.num_samples,
                      seed=args.seed + rank),
        test_evaluator=metrics,
        default_hooks=dict(checkpoint=None, param_scheduler=None),
        custom_hooks=[writer],
        # The process group, if any, is started (dist_test.sh): sampling
        # needs no model wrapper; the metrics gather over the ranks.
        launcher='none',
        env_cfg=dict(cudnn_benchmark=False),
        log_level='WARNING',
        default_scope='singan',
        randomness=dict(seed=args.seed),
        cfg=cfg)


def _report_metrics(metrics: dict, model, args, rank: int,
                    world: int) -> None:
    """Print the metrics; with ``--out``, write them (rank 0) as JSON."""
    if not metrics:
        return
    print('Metrics: ' + ', '.join(f'{k}={v:.4g}' for k, v in metrics.items()))
    if not args.out or rank != 0:
        return
    result = dict(metrics, num_samples=args.num_samples * world,
                  ranks=world, seed=args.seed,
                  checkpoint=args.checkpoint, config=args.config,
                  size=list(model.sizes[-1]))
    atomic_write_bytes(json.dumps(result, indent=1).encode(), args.out)
    print(f'Wrote {osp.abspath(args.out)}')


def _dist_info(launcher: str):
    """Rank and world size; initialises torch.distributed when launched."""
    if launcher == 'none':
        return 0, 1
    from singan.engine import init_distributed
    return init_distributed(launcher)


if __name__ == '__main__':
    sys.exit(run_cli(main, 'lower --num-samples (or run with --device cpu)'))
