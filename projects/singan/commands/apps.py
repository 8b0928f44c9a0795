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
:func:`add_app_commands`. Each is an adapter of
:class:`~singan.apis.SinGANInferencer`: :func:`run_app` turns the arguments
into Inferencer calls, which check the request, make and write the results
to ``--out-dir``; the rows of their pictures become ``comparison.png``.
See docs/applications.md.
"""
import argparse
import os.path as osp
from typing import List, Tuple

from .. import apis
from ..apis.figures import stack_rows
from ..apis.trained_run import open_trained_run
from ..cli import CfgOptionsAction
from ..config_keys import apply_path_arguments, merge_cli_options
from ..fileio import save_image
from ..fileio.paths import check_output_dir

__all__ = ['add_app_commands', 'run_app', 'ANIMATION_DEFAULTS', 'OOM_FIX']

#: Defaults of ``animate``, also used for the GIF of ``singan train``.
ANIMATION_DEFAULTS = dict(frames=30, start_scale=2, alpha=0.1, beta=0.9,
                          fps=10.0)
#: What to lower when an application runs out of memory.
OOM_FIX = ('lower --num, --frames, --factor or --factors (or set a smaller '
           '--max-memory so the estimate refuses it up front)')
#: The Inferencer's options as these commands spell them, for messages.
OPTION_NAMES = dict(num='--num', factors='--factors', factor='--factor',
                    start_scale='--start-scale', radius='--radius',
                    feather='--feather',
                    num_colors='--quantize', num_frames='--frames',
                    fps='--fps', vis_height='--display-height',
                    resize='--resize')


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
                        "(default: the model's, at least 96)")
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
                            help='fade the result into the photo over this '
                            'many pixels of the photo around the mask; '
                            'nothing farther changes (default: radius + 2 x '
                            'sigma of a 250 px image, at the photo\'s size)')
    parser.add_argument('--start-scale', type=int, default=start,
                        help='injection scale n, 1..num_scales (default: '
                        + ('the middle scale' if start is None else
                           str(start)) + ')')
    parser.add_argument('--resize', choices=apis.RESIZE_MODES,
                        default='none', help='how to fit an input of another '
                        'aspect ratio: refuse (none), stretch, or crop (the '
                        'result is its centre)')


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
    _injection(cmd, 'photo with the object pasted in (any resolution; the '
               'result keeps it)')
    cmd.add_argument('--radius', type=float, default=7, help='mask dilation '
                     '(pixels of a 250 px image, as the authors)')
    cmd = _add(sub, names, 'edit', help='make an edited region look natural')
    _injection(cmd, 'edited photo (any resolution; the result keeps it)')
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
        command.set_defaults(func=run_app)


def _add(sub, names: list, name: str, **kwargs) -> argparse.ArgumentParser:
    """A sub-command parser, its name noted in ``names``."""
    names.append(name)
    return sub.add_parser(name, description=kwargs.get('help'), **kwargs)


def run_app(args: argparse.Namespace) -> int:
    """Load the trained run into the Inferencer and run the sub-command.

    Args:
        args (argparse.Namespace): Parsed by a parser of
            :func:`add_app_commands`.

    Returns:
        int: 0.
    """
    run = open_trained_run(args.config, args.checkpoint)
    merge_cli_options(run.config, args.cfg_options)
    apply_path_arguments(run.config, args)
    out_dir = args.out_dir or (
        osp.join(run.work_dir, 'apps', args.command) if run.work_dir else
        osp.join('work_dirs', 'apps', osp.splitext(
            osp.basename(args.config))[0], args.command))
    check_output_dir(out_dir, '--out-dir')
    names = dict(OPTION_NAMES, **({'start_scale': '--start-scales'} if
                                  args.command == 'inject' else {}))
    inferencer = apis.SinGANInferencer(
        run.checkpoint, run.config, args.pkl or run.pickle, device=args.device,
        max_memory=args.max_memory, option_names=names,
        vis_height=args.display_height)
    rows = []
    for task, inputs, options in _requests(args, inferencer):
        out = inferencer(inputs, task=task, return_vis=True,
                         pred_out_dir=out_dir, **options)
        rows += out['visualization']
        for path in out['paths']:
            print(f'Wrote {path}')
        print(', '.join(f'{k}={v:.4g}' if isinstance(v, float) else
                        f'{k}={v}' for k, v in out['info'].items()))
    comparison = save_image(stack_rows(rows),
                            osp.join(out_dir, 'comparison.png'))
    print(f'Comparison: {osp.abspath(comparison)}')
    return 0


def _requests(args: argparse.Namespace, inferencer: apis.SinGANInferencer
              ) -> List[Tuple[str, object, dict]]:
    """The Inferencer calls of a sub-command: ``(task, inputs, options)``."""
    command, seed = args.command, args.seed
    if command == 'reconstruct':
        return [('reconstruct', None, {})]
    if command == 'sample':
        return [('sample', None, dict(num=args.num, factors=args.factors,
                                      seed=seed))]
    if command == 'inject':
        top = inferencer.model.num_scales
        scales = args.start_scales or sorted({0, top // 2, top})
        for n in scales:  # all of them before the first is made
            apis.check_start_scale(inferencer.model, n, 0, '--start-scales')
        return [('inject', None, dict(start_scale=n, num=args.num,
                                      seed=seed)) for n in scales]
    if command == 'sr':
        return [('super_resolve', args.input, dict(factor=args.factor,
                                                   seed=seed))]
    if command == 'animate':
        return [('animate', None, dict(
            num_frames=args.frames, start_scale=args.start_scale,
            alpha=args.alpha, beta=args.beta, fps=args.fps, seed=seed))]
    image, mask, resize = args.input, getattr(args, 'mask', None), args.resize
    if resize == 'crop':  # the centre of the image, at its resolution
        image, mask = inferencer.crop_to_model(image, mask)
        resize = 'none'
    options = dict(mask=mask, start_scale=args.start_scale, resize=resize,
                   seed=seed)
    if command == 'paint2image':
        return [('paint', image, dict(options, num_colors=args.quantize))]
    return [(command, image, dict(options, radius=args.radius,
                                  feather=args.feather))]
