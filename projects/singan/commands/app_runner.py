"""Running one application of a trained SinGAN: load, check, make, show.

Shared by ``singan sample|inject|...`` and ``tools/apps.py``: the model is
loaded (:class:`App`), the request is checked against the model and the
memory (``apis.request_checks``) before the first step, then the
sub-command's function makes its pictures and a captioned
``comparison.png``.
"""
import argparse
import os.path as osp

import numpy as np
import torch

from .. import apis
from ..apis import limits, request_checks
from ..config_keys import apply_path_arguments, merge_cli_options
from ..fileio import read_image, save_image
from ..fileio.paths import check_output_dir
from .trained_run import open_trained_run

__all__ = ['App', 'run_app', 'check_request', 'image_size', 'stack_rows',
           'OOM_FIX']

#: What to lower when an application runs out of memory.
OOM_FIX = ('lower --num, --frames, --factor or --factors (or set a smaller '
           '--max-memory so the estimate refuses it up front)')


class App:
    """The loaded model, its training image and where outputs go.

    Args:
        args (argparse.Namespace): ``config`` (a config, or a work dir when
            ``checkpoint`` is ``None``), ``checkpoint``, ``pkl``, ``image``,
            ``cfg_options``, ``device``, ``out_dir``, ``seed``,
            ``display_height`` and ``command``.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        run = open_trained_run(args.config, args.checkpoint)
        cfg = run.config
        merge_cli_options(cfg, args.cfg_options)
        apply_path_arguments(cfg, args)
        device = args.device or ('cuda' if torch.cuda.is_available() else
                                 'cpu')
        self.model = apis.load_model(cfg, run.checkpoint,
                                     args.pkl or run.pickle, device)
        self.device = device
        self.cfg = cfg
        self.out_dir = args.out_dir or (
            osp.join(run.work_dir, 'apps', args.command) if run.work_dir
            else osp.join('work_dirs', 'apps', osp.splitext(
                osp.basename(args.config))[0], args.command))
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
        """Write a tensor or uint8 array under the output folder.

        Args:
            name (str): File name.
            image (torch.Tensor | np.ndarray): ``(1, 3, H, W)`` or
                ``(3, H, W)`` in [-1, 1], or ``(H, W, 3)`` uint8.

        Returns:
            str: The absolute path written.
        """
        path = osp.join(self.out_dir, name)
        if isinstance(image, torch.Tensor):
            image = image[0] if image.dim() == 4 else image
        save_image(image, path)
        return osp.abspath(path)

    def finish(self, items, extra=(), same_scale=False) -> None:
        """Write the comparison and print where everything is.

        Args:
            items (list): ``(caption, image)`` pairs, or rows of them.
            extra (Sequence[str]): Lines to print after the comparison's.
            same_scale (bool): Show every picture at the same scale.

        Returns:
            None
        """
        rows = items if isinstance(items[0], list) else [items]
        picture = stack_rows([
            apis.captioned_row(row, self.display_height,
                               same_scale=same_scale) for row in rows
        ])
        print(f'Comparison: {self.save("comparison.png", picture)}')
        for line in extra:
            print(line)


def stack_rows(rows) -> np.ndarray:
    """Rows of different widths, one under the other, on white.

    Args:
        rows (Sequence[np.ndarray]): ``(H_i, W_i, 3)`` uint8 pictures.

    Returns:
        np.ndarray: ``(sum H_i, max W_i, 3)`` uint8.
    """
    width = max(r.shape[1] for r in rows)
    return np.concatenate([
        np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)),
               constant_values=255) for r in rows
    ])


def image_size(path: str) -> tuple:
    """``(H, W)`` of an image file, to load it unresized.

    Args:
        path (str): The image.

    Returns:
        tuple: ``(H, W)`` as a viewer shows it.
    """
    return read_image(path).shape[:2]


def check_request(app: App, args: argparse.Namespace) -> None:
    """Refuse what the model cannot make or what would not fit in memory.

    Sizes, counts and steps are checked before the first step (see
    ``apis/limits.py``).

    Args:
        app (App): The loaded model.
        args (argparse.Namespace): The sub-command's arguments.

    Returns:
        None
    """
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
        size = image_size(args.input) if args.input else app.size
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


def _check_args(args: argparse.Namespace) -> None:
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


def run_app(args: argparse.Namespace) -> int:
    """Check the arguments, load the model, run the sub-command.

    Args:
        args (argparse.Namespace): Parsed by a parser of
            :func:`singan.commands.apps.add_app_commands`; ``app_func`` is
            the sub-command's function.

    Returns:
        int: 0.
    """
    _check_args(args)
    app = App(args)
    check_request(app, args)
    args.app_func(app, args)
    return 0
