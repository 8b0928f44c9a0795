"""Sample-quality metrics of a trained SinGAN against its training image.

    python tools/evaluate.py CONFIG CHECKPOINT --num-samples 50 \
        --out benchmarks/metrics_paper.json [--inception pt_inception.pth]

Draws ``--num-samples`` samples at the training size (seeded), and computes
with the ``singan.evaluation`` metrics: the multi-scale SWD (x1e3, per
Laplacian level and average), the pixel diversity, the reconstruction RMSE,
the nearest-neighbour patch distance (a patch-copy check),
and SIFID when ``--inception`` names a local Inception-v3 weights file
(torchvision's or pytorch-fid's; nothing is downloaded). The training image
is rebuilt from the config's dataset, as in training. ``--grid`` saves the
reconstruction and the first samples as one PNG.
"""
import argparse
import json
import os
import os.path as osp
import sys

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

from singan.apis import load_model
from singan.cli import run_cli
from singan.fileio import make_grid, save_image, tensor_to_image
from singan.registry import DATASETS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate SinGAN samples')
    parser.add_argument('config', help='config the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--pkl-data', help='pickle of fixed noises (default: '
                        'beside the checkpoint or inside it)')
    parser.add_argument('--num-samples', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the sample noise')
    parser.add_argument('--swd-seed', type=int, default=0,
                        help='seed of SWD patches and projections')
    parser.add_argument('--inception', help='Inception-v3 .pth for SIFID')
    parser.add_argument('--sifid-dims', type=int, default=64,
                        choices=[64, 192])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='JSON result file')
    parser.add_argument('--grid', help='PNG of reconstruction + 8 samples')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs')
    return parser.parse_args()


def metric_cfgs(args) -> list:
    """The metrics of ``singan.evaluation`` this command computes."""
    return [
        dict(type='SinGANSWD', seed=args.swd_seed),
        dict(type='PixelDiversity'),
        dict(type='ReconstructionRMSE'),
        dict(type='PatchCopy'),
        dict(type='SIFID', inception_path=args.inception,
             dims=args.sifid_dims)
    ]


def evaluate(model, real: torch.Tensor, args) -> dict:
    """Run the metrics over seeded samples and the reconstruction."""
    rng = torch.Generator(device=args.device).manual_seed(args.seed)
    samples = model.sample(args.num_samples, generator=rng).cpu()
    recon = model.reconstruct()[0].cpu()
    if args.grid:
        images = [tensor_to_image(real[0]), tensor_to_image(recon)]
        images += [tensor_to_image(s) for s in samples[:8]]
        save_image(make_grid(images, ncols=5), args.grid)
    with DefaultScope.overwrite_default_scope('singan'):
        evaluator = Evaluator(metric_cfgs(args))
    evaluator.process([
        dict(fake_img=s, recon_img=recon, gt_img=real[0]) for s in samples
    ])
    return evaluator.evaluate(len(samples))


def main() -> None:
    args = parse_args()
    if args.num_samples < 2:
        raise ValueError(f'--num-samples={args.num_samples} must be >= 2 '
                         '(diversity is a std over samples).')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = load_model(cfg, args.checkpoint, args.pkl_data, args.device)
    with DefaultScope.overwrite_default_scope('singan'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    real = dataset.pyramid()[model.current_scale]
    if tuple(real.shape[-2:]) != model.sizes[-1]:
        raise ValueError(
            f'The config image gives {tuple(real.shape[-2:])} at scale '
            f'{model.current_scale}, the model was trained at '
            f'{model.sizes[-1]}: evaluate with the training config.')
    result = evaluate(model, real, args)
    result.update(num_samples=args.num_samples, seed=args.seed,
                  swd_seed=args.swd_seed, checkpoint=args.checkpoint,
                  config=args.config, size=list(model.sizes[-1]))
    print(json.dumps(result, indent=1))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
        print(f'Wrote {osp.abspath(args.out)}')


if __name__ == '__main__':
    sys.exit(run_cli(main))
