"""The applications of a trained SinGAN as sub-commands.

    singan sample      WORK_DIR --num 4 --factors 1x2
    singan inject      WORK_DIR --start-scales 0 2 4
    singan reconstruct WORK_DIR
    singan harmonize   WORK_DIR --input NAIVE --mask MASK
    singan edit        WORK_DIR --input EDITED --mask MASK
    singan paint2image WORK_DIR --input PAINT --quantize 5
    singan sr          WORK_DIR --factor 4
    singan animate     WORK_DIR --frames 30 --alpha 0.1

WORK_DIR is the work dir of a training (its config, last checkpoint and
pickle are found in it); ``CONFIG CKPT`` works too, and is what
``tools/apps.py`` takes. Both build their sub-commands with
:func:`add_app_commands`; each runs :func:`app_runner.run_app`. Results and
a captioned ``comparison.png`` go to ``--out-dir``. See
docs/applications.md.
"""
import argparse
import os.path as osp

from .. import apis
from ..cli import CfgOptionsAction
from ..fileio import tensor_to_image
from .app_runner import App, image_size, run_app

__all__ = ['add_app_commands', 'COMMAND_FUNCS', 'ANIMATION_DEFAULTS']

#: Defaults of ``animate``, also used for the GIF of ``singan train``.
ANIMATION_DEFAULTS = dict(frames=30, start_scale=2, alpha=0.1, beta=0.9,
                          fps=10.0)


def _common(parser: argparse.ArgumentParser, work_dir_form: bool) -> None:
    """Arguments every sub-command takes."""
    if work_dir_form:
        parser.add_argument(
            'config', metavar='WORK_DIR|CONFIG', help='work dir of a '
            'training (e.g. work_dirs/photo), or the config the model was '
            'trained with (then CKPT too)')
        parser.add_argument('checkpoint', metavar='CKPT', nargs='?',
                            help='checkpoint file (.pth; default: the last '
                            'one of WORK_DIR)')
    else:
        parser.add_argument('config', help='config the model was trained '
                            'with')
        parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--pkl', help='pickle of fixed noises (default: '
                        'the one stored with the checkpoint)')
    parser.add_argument('--image', help='the training image, if it moved '
                        '(sets train_dataloader.dataset.data_root; spaces '
                        'in the path are kept, unlike in --cfg-options)')
    parser.add_argument('--out-dir', help='output folder (default: '
                        'WORK_DIR/apps/<command>, or work_dirs/apps/<config '
                        'name>/<command>)')
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
        parser.add_argument('--feather', type=float, default=None,
                            help='fade the result into the image over this '
                            'many pixels around the mask; nothing farther '
                            'changes (default: the dilated, blurred mask of '
                            '--radius)')
    parser.add_argument('--start-scale', type=int, default=start,
                        help='injection scale n, 1..num_scales (default: '
                        + ('the middle scale' if start is None else
                           str(start)) + ')')
    parser.add_argument('--resize', choices=apis.RESIZE_MODES,
                        default='none', help='how to fit an input of another '
                        'aspect ratio: refuse (none), stretch, or crop')


def add_app_commands(sub: argparse._SubParsersAction,
                     work_dir_form: bool = True) -> None:
    """Add ``sample``, ``inject``, ... ``animate`` to a parser.

    Args:
        sub: The ``add_subparsers()`` of a parser (``dest='command'``).
        work_dir_form (bool): Take ``WORK_DIR`` or ``CONFIG CKPT``
            (``singan``); ``False``: ``CONFIG CKPT`` only (``tools/apps.py``).

    Returns:
        None
    """
    names = []
    cmd = _add(sub, names, 'sample', help='random samples of any size')
    cmd.add_argument('--num', type=int, default=4, help='number of samples')
    cmd.add_argument('--factors', default='1x1', help='HEIGHTxWIDTH factors '
                     'of the training size, e.g. 1x2 for a panorama')
    cmd = _add(sub, names, 'inject', help='fresh noise from a start scale on')
    cmd.add_argument('--start-scales', type=int, nargs='+', default=None,
                     help='start scales to compare (default: 0, middle, '
                     'num_scales)')
    cmd.add_argument('--num', type=int, default=3,
                     help='samples per start scale')
    _add(sub, names, 'reconstruct', help='the training image from fixed noise')
    cmd = _add(sub, names, 'harmonize', help='blend a pasted object in')
    _injection(cmd, 'naive paste on the training image')
    cmd.add_argument('--radius', type=float, default=7, help='mask dilation '
                     '(pixels of a 250 px image, as the authors)')
    cmd = _add(sub, names, 'edit', help='make an edited region look natural')
    _injection(cmd, 'edited copy of the training image')
    cmd.add_argument('--radius', type=float, default=20, help='mask dilation '
                     '(pixels of a 250 px image, as the authors)')
    cmd = _add(sub, names, 'paint2image', help='turn a painting into an image')
    _injection(cmd, 'clip-art painting', mask=False)
    cmd.add_argument('--quantize', type=int, default=None, metavar='K',
                     help='map the painting to K colours of the training '
                     'image first (the authors use 5)')
    cmd = _add(sub, names, 'sr', help='super-resolution')
    cmd.add_argument('--factor', type=float, default=4.0, help='upscaling')
    cmd.add_argument('--input', help='image to upscale (default: the '
                     'training image)')
    cmd = _add(sub, names, 'animate', help='a looping clip (GIF, MP4)')
    cmd.add_argument('--frames', type=int,
                     default=ANIMATION_DEFAULTS['frames'])
    cmd.add_argument('--start-scale', type=int,
                     default=ANIMATION_DEFAULTS['start_scale'])
    cmd.add_argument('--alpha', type=float,
                     default=ANIMATION_DEFAULTS['alpha'], help='pull towards '
                     'the reconstruction; lower moves more')
    cmd.add_argument('--beta', type=float,
                     default=ANIMATION_DEFAULTS['beta'], help='momentum')
    cmd.add_argument('--fps', type=float,
                     default=ANIMATION_DEFAULTS['fps'])
    for name in names:
        command = sub.choices[name]
        _common(command, work_dir_form)
        command.set_defaults(func=run_app, app_func=COMMAND_FUNCS[name])


def _add(sub, names: list, name: str, **kwargs) -> argparse.ArgumentParser:
    """A sub-command parser, its name noted in ``names``."""
    names.append(name)
    return sub.add_parser(name, description=kwargs.get('help'), **kwargs)


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
                                 radius=args.radius, generator=app.rng,
                                 feather=args.feather)
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
        image = apis.load_reference(args.input, image_size(args.input),
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


