"""Applications of a trained SinGAN, one sub-command each.

    python tools/apps.py sample      CONFIG CKPT --num 4 --factors 1x2
    python tools/apps.py inject      CONFIG CKPT --start-scales 0 2 4
    python tools/apps.py reconstruct CONFIG CKPT
    python tools/apps.py harmonize   CONFIG CKPT --input NAIVE --mask MASK
    python tools/apps.py edit        CONFIG CKPT --input EDITED --mask MASK
    python tools/apps.py paint2image CONFIG CKPT --input PAINT --quantize 5
    python tools/apps.py sr          CONFIG CKPT --factor 4
    python tools/apps.py animate     CONFIG CKPT --frames 30 --alpha 0.1

CONFIG is the config the model was trained with, CKPT its checkpoint (the
pickle of fixed noises is found beside it, or pass ``--pkl``). Results and a
captioned ``comparison.png`` go to ``--out-dir`` (default
``work_dirs/apps/<config name>/<command>``); the paths are printed. See
docs/applications.md.
"""
import argparse
import os.path as osp
import sys

import _bootstrap  # noqa: F401
import numpy as np
import torch
from mmengine.config import Config

from singan import apis
from singan.apis import limits, request_checks
from singan.cli import CfgOptionsAction, run_cli
from singan.config_keys import apply_path_arguments, merge_cli_options
from singan.fileio import save_image, tensor_to_image
from singan.fileio.paths import check_output_dir


def _common(parser: argparse.ArgumentParser) -> None:
    """Arguments every sub-command takes."""
    parser.add_argument('config', help='config the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--pkl', help='pickle of fixed noises (default: '
                        'the one stored with the checkpoint)')
    parser.add_argument('--image', help='the training image, if it moved '
                        '(sets train_dataloader.dataset.data_root; spaces '
                        'in the path are kept, unlike in --cfg-options)')
    parser.add_argument('--out-dir', help='output folder (default: '
                        'work_dirs/apps/<config name>/<command>)')
    parser.add_argument('--seed', type=int, default=0, help='noise seed')
    parser.add_argument('--device', default=None,
                        help="'cpu' or 'cuda' (default: cuda if available)")
    parser.add_argument('--display-height', type=int, default=0,
                        help='height of each picture in comparison.png '
                        '(default: the tallest, at least 96)')
    parser.add_argument('--max-memory', type=float, default=None,
                        metavar='GB', help='memory the run may use; larger '
                        'requests are refused up front (default: 80%% of '
                        'the free memory of the device)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config settings')


def _injection(parser: argparse.ArgumentParser, what: str,
               start: int = None, mask: bool = True) -> None:
    """Arguments of the commands that inject an image at a scale."""
    parser.add_argument('--input', required=True, help=what)
    if mask:
        parser.add_argument('--mask', required=True,
                            help='mask image, white where the input changed')
    parser.add_argument('--start-scale', type=int, default=start,
                        help='injection scale n, 1..num_scales (default: '
                        + ('the middle scale' if start is None else
                           str(start)) + ')')
    parser.add_argument('--resize', choices=apis.RESIZE_MODES,
                        default='none', help='how to fit an input of another '
                        'aspect ratio: refuse (none), stretch, or crop')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Applications of a trained SinGAN')
    sub = parser.add_subparsers(dest='command', required=True)
    cmd = sub.add_parser('sample', help='random samples of any size')
    cmd.add_argument('--num', type=int, default=4, help='number of samples')
    cmd.add_argument('--factors', default='1x1', help='HEIGHTxWIDTH factors '
                     'of the training size, e.g. 1x2 for a panorama')
    cmd = sub.add_parser('inject', help='fresh noise from a start scale on')
    cmd.add_argument('--start-scales', type=int, nargs='+', default=None,
                     help='start scales to compare (default: 0, middle, '
                     'num_scales)')
    cmd.add_argument('--num', type=int, default=3,
                     help='samples per start scale')
    sub.add_parser('reconstruct', help='the training image from fixed noise')
    cmd = sub.add_parser('harmonize', help='blend a pasted object in')
    _injection(cmd, 'naive paste on the training image')
    cmd.add_argument('--radius', type=float, default=7, help='mask dilation '
                     '(pixels of a 250 px image, as the authors)')
    cmd = sub.add_parser('edit', help='make an edited region look natural')
    _injection(cmd, 'edited copy of the training image')
    cmd.add_argument('--radius', type=float, default=20, help='mask dilation '
                     '(pixels of a 250 px image, as the authors)')
    cmd = sub.add_parser('paint2image', help='turn a painting into an image')
    _injection(cmd, 'clip-art painting', mask=False)
    cmd.add_argument('--quantize', type=int, default=None, metavar='K',
                     help='map the painting to K colours of the training '
                     'image first (the authors use 5)')
    cmd = sub.add_parser('sr', help='super-resolution')
    cmd.add_argument('--factor', type=float, default=4.0, help='upscaling')
    cmd.add_argument('--input', help='image to upscale (default: the '
                     'training image)')
    cmd = sub.add_parser('animate', help='a looping clip (GIF, MP4)')
    cmd.add_argument('--frames', type=int, default=30)
    cmd.add_argument('--start-scale', type=int, default=2)
    cmd.add_argument('--alpha', type=float, default=0.1, help='pull towards '
                     'the reconstruction; lower moves more')
    cmd.add_argument('--beta', type=float, default=0.9, help='momentum')
    cmd.add_argument('--fps', type=float, default=10)
    for name, command in sub.choices.items():
        _common(command)
        command.set_defaults(func=COMMAND_FUNCS[name])
    return parser.parse_args(argv)


class App:
    """The loaded model, its training image and where outputs go."""

    def __init__(self, args: argparse.Namespace) -> None:
        for path, what in ((args.config, 'config'),
                           (args.checkpoint, 'checkpoint')):
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'The {what} {path!r} does not exist. Check the path.')
        cfg = Config.fromfile(args.config)
        merge_cli_options(cfg, args.cfg_options)
        apply_path_arguments(cfg, args)
        device = args.device or ('cuda' if torch.cuda.is_available() else
                                 'cpu')
        self.model = apis.load_model(cfg, args.checkpoint, args.pkl, device)
        self.device = device
        self.cfg = cfg
        self.out_dir = args.out_dir or osp.join(
            'work_dirs', 'apps',
            osp.splitext(osp.basename(args.config))[0], args.command)
        check_output_dir(self.out_dir, '--out-dir')
        self.rng = torch.Generator(device=device).manual_seed(args.seed)
        self._real = None
        self.display_height = args.display_height

    @property
    def real(self) -> torch.Tensor:
        """The training image at the finest size, ``(1, 3, H, W)``."""
        if self._real is None:
            pyramid = apis.training_pyramid(self.cfg, self.model.sizes)
            self._real = pyramid[-1].to(self.model.fixed_noises[0].device)
        return self._real

    @property
    def size(self) -> tuple:
        """``(H, W)`` of the finest scale."""
        return self.model.sizes[-1]

    def save(self, name: str, image) -> str:
        """Write a tensor or uint8 array under the output folder."""
        path = osp.join(self.out_dir, name)
        if isinstance(image, torch.Tensor):
            image = image[0] if image.dim() == 4 else image
        save_image(image, path)
        return osp.abspath(path)

    def finish(self, items, extra=(), same_scale=False) -> None:
        """Write the comparison and print where everything is."""
        rows = items if isinstance(items[0], list) else [items]
        picture = _stack([
            apis.captioned_row(row, self.display_height,
                               same_scale=same_scale) for row in rows
        ])
        print(f'Comparison: {self.save("comparison.png", picture)}')
        for line in extra:
            print(line)


def _stack(rows) -> np.ndarray:
    """Rows of different widths, one under the other, on white."""
    width = max(r.shape[1] for r in rows)
    return np.concatenate([
        np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)),
               constant_values=255) for r in rows
    ])


def cmd_sample(app: App, args) -> None:
    factors = apis.parse_factors(args.factors)
    samples = apis.random_samples(app.model, args.num, factors, app.rng)
    paths = [app.save(f'sample_{i:02d}.png', s) for i, s in enumerate(samples)]
    items = [('training image', app.real)] + [
        (f'sample {i} ({args.factors})', s) for i, s in enumerate(samples[:4])]
    app.finish(items, [f'{len(paths)} samples of {tuple(samples.shape[-2:])}'
                       f' (HxW): {osp.dirname(paths[0])}'], same_scale=True)


def cmd_inject(app: App, args) -> None:
    top = app.model.num_scales
    scales = args.start_scales or sorted({0, top // 2, top})
    rows = []
    for n in scales:
        samples = apis.inject_at_scale(app.model, n, args.num, app.rng)
        for i, sample in enumerate(samples):
            app.save(f'start{n}_sample_{i:02d}.png', sample)
        rows.append([('training image', app.real)] + [
            (f'start scale {n}', s) for s in samples])
    app.finish(rows, [f'{args.num} samples per start scale {scales}: '
                      f'{osp.abspath(app.out_dir)}'])


def cmd_reconstruct(app: App, args) -> None:
    recon, rmse = apis.reconstruct(app.model, app.real)
    path = app.save('reconstruction.png', recon)
    app.finish([('training image', app.real),
                (f'reconstruction, RMSE {rmse:.4f}', recon)],
               [f'Reconstruction: {path}',
                f'RMSE (images in [-1, 1]): {rmse:.4f}'])


def _start_scale(app: App, args) -> int:
    """The given injection scale, or the middle one."""
    if args.start_scale is None:
        return max(1, app.model.num_scales // 2)
    return args.start_scale


def _masked(app: App, args, function, noun: str) -> None:
    n = _start_scale(app, args)
    apis.check_start_scale(app.model, n, 1, '--start-scale')
    given = apis.load_reference(args.input, app.size, args.resize, 'input')
    mask = apis.load_mask(args.mask, app.size, args.resize)
    result, raw, soft = function(app.model, app.real, given, mask, n,
                                 radius=args.radius, generator=app.rng)
    path = app.save(f'{noun}.png', result)
    app.save(f'{noun}_unmasked.png', raw)
    app.save('mask_dilated.png', soft[0] * 2 - 1)
    app.finish([('training image', app.real), ('input', given),
                ('mask', mask), (f'{noun}, scale {n}', result)],
               [f'Result: {path}'])


def cmd_harmonize(app: App, args) -> None:
    _masked(app, args, apis.harmonize, 'harmonized')


def cmd_edit(app: App, args) -> None:
    _masked(app, args, apis.edit, 'edited')


def cmd_paint2image(app: App, args) -> None:
    n = _start_scale(app, args)
    apis.check_start_scale(app.model, n, 1, '--start-scale')
    painting = apis.load_reference(args.input, app.size, args.resize,
                                   'painting')
    real = app.real if args.quantize is not None else None
    result, injected = apis.paint_to_image(app.model, painting, n, real,
                                           args.quantize, app.rng)
    path = app.save('paint2image.png', result)
    items = [('training image', app.real), ('painting', painting)]
    if args.quantize is not None:
        app.save('painting_quantized.png', injected)
        items.append((f'quantized, k={args.quantize}', injected))
    app.finish(items + [(f'result, scale {n}', result)], [f'Result: {path}'])


def cmd_sr(app: App, args) -> None:
    if args.input:
        image = apis.load_reference(args.input, _any_size(args.input),
                                    name='input')
    else:
        image = app.real
    steps, ratio = apis.sr_steps(app.model, args.factor)
    print(f'x{args.factor:g} in {steps} steps of x{ratio:.3f} with the '
          'finest generator')
    result = apis.super_resolve(
        app.model, image, args.factor, app.rng,
        progress=lambda k, n, size: print(f'  step {k}/{n}: {size[1]}x'
                                          f'{size[0]} (WxH)', flush=True))
    bicubic = apis.bicubic_upscale(image.to(result), args.factor)
    path = app.save('sr.png', result)
    app.save('bicubic.png', bicubic)
    app.finish([('input', tensor_to_image(image[0])),
                (f'bicubic x{args.factor:g}', bicubic),
                (f'SinGAN x{args.factor:g}', result)],
               [f'Result: {path} ({result.shape[-1]}x{result.shape[-2]})'])


def _any_size(path: str) -> tuple:
    """``(H, W)`` of an image file, to load it unresized."""
    from singan.fileio import read_image
    return read_image(path).shape[:2]


def cmd_animate(app: App, args) -> None:
    print(f'Generating {args.frames} frames from scale {args.start_scale}...',
          flush=True)
    frames = apis.animate(app.model, args.frames, args.start_scale,
                          args.alpha, args.beta, app.rng)
    images = [tensor_to_image(f) for f in frames]
    gif = osp.join(app.out_dir, 'animation.gif')
    apis.write_gif(images, gif, args.fps)
    mp4 = apis.write_mp4(images, osp.join(app.out_dir, 'animation.mp4'),
                         args.fps)
    picks = sorted({0, len(images) // 2, len(images) - 1})
    app.finish([('training image', app.real)] +
               [(f'frame {i}', images[i]) for i in picks],
               [f'GIF: {osp.abspath(gif)}',
                f'MP4: {osp.abspath(mp4)}' if mp4 else
                'MP4: not written (OpenCV has no mp4v encoder here)'])


#: The function of each sub-command, set on its parser as ``func``.
COMMAND_FUNCS = {
    'sample': cmd_sample, 'inject': cmd_inject,
    'reconstruct': cmd_reconstruct, 'harmonize': cmd_harmonize,
    'edit': cmd_edit, 'paint2image': cmd_paint2image, 'sr': cmd_sr,
    'animate': cmd_animate
}


def check_request(app: App, args) -> None:
    """Refuse sizes, counts and steps the model cannot make or that would
    not fit in memory, before the first step (see apis/limits.py)."""
    model = app.model
    budget = limits.memory_budget(app.device, args.max_memory)
    if args.command == 'sample':
        request_checks.check_sample_request(
            model, args.num, apis.parse_factors(args.factors), budget,
            text=args.factors)
    elif args.command == 'inject':
        for n in args.start_scales or ():
            apis.check_start_scale(model, n, 0, '--start-scales')
        request_checks.check_batch_request(model, args.num, budget)
    elif args.command == 'animate':
        request_checks.check_positive(
            '--fps', args.fps, 100, ' (a GIF frame lasts at least 10 ms)')
        apis.check_start_scale(model, args.start_scale, 0, '--start-scale')
        request_checks.check_animation_request(model, args.frames, budget)
    elif args.command == 'sr':
        size = _any_size(args.input) if args.input else app.size
        apis.sr_steps(model, args.factor)  # the factor is > 1
        request_checks.check_sr_request(
            model, size, args.factor, lambda f: apis.sr_steps(model, f)[0],
            budget)
    if getattr(args, 'radius', 0) < 0 or not np.isfinite(
            getattr(args, 'radius', 0)):
        raise ValueError(f'--radius={args.radius:g} must be a number >= 0 '
                         '(pixels of a 250 px image; 0: no dilation).')
    if args.display_height:
        height, width = app.size
        request_checks.check_figure_request(
            args.display_height, width / height,
            1 + max(getattr(args, 'num', 4), 4), budget)


def _check_args(args) -> None:
    """Checks that need no model, before it is loaded."""
    for name in ('num', 'frames'):
        if getattr(args, name, 1) < 1:
            raise ValueError(f'--{name}={getattr(args, name)} must be >= 1.')
    if args.command == 'animate' and args.frames < 2:
        raise ValueError(f'--frames={args.frames}: an animation needs at '
                         'least 2 frames.')
    if args.display_height < 0:
        raise ValueError(f'--display-height={args.display_height} must be '
                         '>= 0 (0: the tallest picture, at least 96).')
    if args.command == 'sample':
        apis.parse_factors(args.factors)  # fail before loading the model
    limits.memory_budget('cpu', args.max_memory)  # a valid --max-memory


def main(argv=None) -> None:
    args = parse_args(argv)
    _check_args(args)
    app = App(args)
    check_request(app, args)
    args.func(app, args)


if __name__ == '__main__':
    sys.exit(run_cli(main, 'lower --num, --frames, --factor or --factors '
                     '(or set a smaller --max-memory so the estimate '
                     'refuses it up front)'))
