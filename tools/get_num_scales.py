"""Print ``num_scales`` (the index of the finest scale) for an image.

    python tools/get_num_scales.py data/singan/balloons.png --max-size 300
    python tools/get_num_scales.py --config configs/singan/singan_balloons.py
"""
import argparse
import sys

import _bootstrap  # noqa: F401
from mmengine.config import Config

from singan.apis.limits import check_image_fits, network_field
from singan.cli import run_cli
from singan.fileio import read_image
from singan.ops import count_scales, rescaled_size


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image', nargs='?', help='training image')
    parser.add_argument('--config', help='read image and sizes from a config')
    parser.add_argument('--min-size', type=int, default=25)
    parser.add_argument('--max-size', type=int, default=250)
    parser.add_argument('--scale-factor-init', type=float, default=0.75)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    settings = dict(min_size=args.min_size, max_size=args.max_size,
                    scale_factor_init=args.scale_factor_init)
    image, field = args.image, 11
    if args.config:
        cfg = Config.fromfile(args.config)
        dataset, field = cfg.train_dataloader.dataset, network_field(cfg.model)
        settings = {k: dataset.get(k, v) for k, v in settings.items()}
        image = image or dataset.data_root
    if image is None:
        raise ValueError('Give an image path or --config.')
    height, width = read_image(image).shape[:2]
    check_image_fits(height, width, settings['min_size'],
                     settings['max_size'], field)
    stop_scale, factor = count_scales(height, width, **settings)
    capped = rescaled_size((height, width),
                           min(settings['max_size'] / max(height, width), 1))
    sizes = [
        rescaled_size(capped, factor**(stop_scale - s))
        for s in range(stop_scale + 1)
    ]
    print(f'{image}: {width}x{height} (WxH), {settings}')
    print(f'scale factor {factor:.4f}; scales (HxW): ' +
          ', '.join(f'{h}x{w}' for h, w in sizes))
    print(f'num_scales = {stop_scale}')


if __name__ == '__main__':
    sys.exit(run_cli(main))
