"""``singan train IMAGE``: one photo in, a trained SinGAN and samples out.

    singan train photo.jpg                      # the demo preset
    singan train photo.jpg --preset fast --work-dir work_dirs/mine
    singan train photo.jpg --resume             # continue where it stopped

A preset (``singan/presets.py``) names the config; the photo replaces its
image and ``num_scales`` is derived from the photo. Training goes through
mmengine's Runner with every check of ``tools/train.py``
(``singan.training``). While it runs, ``WORK_DIR/progress.json`` says where
it is (``ProgressFileHook``) and the console gets the run's settings in a
few lines, then a progress bar (plain progress lines off a terminal); the
environment and config dumps and the loss lines go to the log file only. At
the end samples, a grid and an animated GIF are written to
``WORK_DIR/samples`` and the next commands to try are printed.
"""
import argparse
import logging
import os.path as osp
import shlex
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from mmengine.config import Config, ConfigDict
from mmengine.device import get_device
from mmengine.logging import MMLogger, print_log

from .. import paper
from ..apis.limits import capped_size
from ..cli import CfgOptionsAction, UserInputError, format_user_error
from ..config_keys import apply_path_arguments, merge_cli_options
from ..engine.progress_file_hook import PROGRESS_FILE, ProgressFile
from ..fileio import read_image
from ..fileio.paths import describe_missing
from ..presets import (DEFAULT_PRESET, PRESETS, Preset, get_preset,
                       larger_hint)
from ..resources import find_config
from ..training import default_work_dir, prepare_run, train
from ..work_dir import check_earlier_run
from ..work_dir_lock import WorkDirBusyError
from .progress_bar import ProgressBarHook, format_seconds
from .results import write_results

__all__ = ['add_arguments', 'run', 'OOM_FIX']

#: What to lower when training runs out of memory.
OOM_FIX = 'lower --max-size (the finest scale), or train on the CPU'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``singan train``.

    Args:
        parser (argparse.ArgumentParser): The sub-command's parser.

    Returns:
        None
    """
    parser.add_argument('image', help='the photo to learn (any size; it is '
                        'scaled down to the preset\'s finest scale: '
                        f'{PRESETS[DEFAULT_PRESET].max_size} px on its long '
                        'side by default)')
    presets = '; '.join(f'{k}: {p.description}' for k, p in PRESETS.items())
    parser.add_argument('--preset', default=DEFAULT_PRESET,
                        metavar='{' + ','.join(PRESETS) + '}',
                        help=f'training schedule (default {DEFAULT_PRESET}).'
                        f' {presets}. {larger_hint(DEFAULT_PRESET)}')
    parser.add_argument('--work-dir', help='where checkpoints, snapshots, '
                        'samples and progress.json go (default: '
                        'work_dirs/<image name>)')
    parser.add_argument('--max-size', type=int, metavar='PX',
                        help='long side of the finest scale, in pixels '
                        '(default: the preset\'s, '
                        f'{PRESETS[DEFAULT_PRESET].max_size} for '
                        f'{DEFAULT_PRESET}); the output size of samples')
    parser.add_argument('--iters-per-scale', type=int, metavar='N',
                        help='iterations of every scale (default: the '
                        'preset\'s)')
    parser.add_argument('--seed', type=int, help='random seed of training '
                        '(default: the preset\'s) and of the samples')
    parser.add_argument('--threads', type=int, metavar='N',
                        help='CPU threads of training (default: chosen per '
                        'scale by timing, re-checked as it runs, so a busy '
                        'machine gets fewer); also train_cfg.threads')
    parser.add_argument('--num-samples', type=int, default=8, metavar='N',
                        help='random samples written at the end (default 8)')
    parser.add_argument('--resume', nargs='?', const='auto', metavar='CKPT',
                        help='continue the run in the work dir (or from the '
                        'given checkpoint)')
    parser.add_argument('--overwrite', action='store_true', help='replace '
                        'the checkpoints of an earlier run in the work dir')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config settings, key=value pairs')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train, write samples, say what to run next.

    Args:
        args (argparse.Namespace): Parsed by :func:`add_arguments`.

    Returns:
        int: 0 when done; errors are raised (``run_cli`` prints them).
    """
    preset = get_preset(args.preset)
    _check_counts(args)
    work_dir = args.work_dir or default_work_dir(args.image)
    progress = osp.join(work_dir, PROGRESS_FILE)
    began, owned = time.monotonic(), False
    try:
        with _quiet_console():
            cfg = _config(preset, args)
            prepare_run(cfg, work_dir, args.resume, args.overwrite)
        owned = True  # the work dir is this run's from here on
        ProgressFile(progress).update(status='starting')
        _print_settings(cfg, args)
        tty = _on_terminal()
        runner = train(cfg, [ProgressBarHook(
            min_seconds=0.2 if tty else 30.0, redraw=tty)])
        trained = time.monotonic()
        print(f'Writing {args.num_samples} samples, a grid and an animation '
              f'to {osp.join(osp.normpath(work_dir), "samples")} ...',
              flush=True)
        results = write_results(work_dir, args.num_samples,
                                args.seed or 0)
    except BaseException as err:
        if owned or (not isinstance(err, WorkDirBusyError)
                     and _may_report(work_dir, args)):  # not the owner's
            _report_failure(progress, err)
        raise
    ProgressFile(progress, keep=True).update(status='done', **results)
    loop = runner.train_loop
    _print_next(work_dir, preset, results, dict(
        training=loop.elapsed_s, before=loop.elapsed_before,
        session=trained - began, sampling=time.monotonic() - trained))
    return 0


def _check_counts(args: argparse.Namespace) -> None:
    """The numbers given must be positive."""
    for flag in ('max_size', 'iters_per_scale', 'num_samples', 'threads'):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UserInputError(f'--{flag.replace("_", "-")}={value} must '
                                 'be >= 1.')


def _config(preset: Preset, args: argparse.Namespace) -> Config:
    """The preset's config with the photo and the arguments applied."""
    cfg = Config.fromfile(find_config(preset.config))
    merge_cli_options(cfg, args.cfg_options)
    apply_path_arguments(cfg, args)  # the photo, checked like --image
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = osp.abspath(args.image)  # found from any folder
    cfg.model.num_scales = None  # derived from the photo
    for part in ('generator', 'discriminator'):
        cfg.model[part].pop('num_scales', None)
    if args.max_size is not None:
        dataset.max_size = args.max_size
    _fit_min_size(dataset)
    if args.iters_per_scale is not None:
        cfg.train_cfg.iters_per_scale = args.iters_per_scale
    if args.threads is not None:
        cfg.train_cfg.threads = args.threads
    if args.seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=args.seed)
    logger = (cfg.get('default_hooks') or {}).get('logger') or {}
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(
        type='ProgressFileHook', interval=logger.get('interval', 10),
        final_status='sampling')]
    cfg.console_log_level = 'WARNING'  # the settings and the bar instead
    return cfg


@contextmanager
def _quiet_console() -> Iterator:
    """Keep INFO lines of the checks off the console (the settings lines
    say the same, and the Runner's log file gets them again)."""
    handlers = [h for h in MMLogger.get_current_instance().handlers
                if type(h) is logging.StreamHandler]
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(max(handler.level, logging.WARNING))
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels):
            handler.setLevel(level)


def _print_settings(cfg: Config, args: argparse.Namespace) -> None:
    """The run in a few lines: photo, sizes, schedule, threads, where."""
    dataset = cfg.train_dataloader.dataset
    height, width = read_image(dataset.data_root).shape[:2]
    h, w = capped_size(height, width, dataset.max_size)
    scales, iters = cfg.model.num_scales + 1, cfg.train_cfg.iters_per_scale
    threads = cfg.train_cfg.get('threads')
    device = get_device()
    threads = 'GPU' if device != 'cpu' else (
        f'{threads} CPU threads (forced)' if threads else
        'CPU threads chosen per scale by timing (--threads N forces)')
    resume = '; resuming' if cfg.get('resume') else ''
    print(f'singan train: {args.image} ({width}x{height}) -> samples of '
          f'{w}x{h} px (--max-size {dataset.max_size}), preset '
          f'{args.preset}{resume}', flush=True)
    print(f'  {scales} scales x {iters} iterations on {device}, {threads}; '
          f'work dir {osp.normpath(cfg.work_dir)}')
    print(f'  {larger_hint(args.preset)}', flush=True)


def _fit_min_size(dataset: ConfigDict) -> None:
    """Lower ``min_size`` to the finest scale's short side when it is less.

    A preset's ``min_size`` (the coarsest scale's short side, 25 px) suits
    its own ``max_size`` and images of its shape; a small photo, or a small
    ``--max-size``, makes a smaller pyramid instead of being refused. Sizes
    the network cannot take are still refused (``check_image_fits``).
    """
    path = dataset.data_root
    if not osp.exists(path):
        raise FileNotFoundError(describe_missing(
            path, f'The image {path!r} does not exist. Check the path.'))
    height, width = read_image(path).shape[:2]
    short = min(capped_size(height, width, dataset.max_size))
    min_size = dataset.get('min_size', paper.MIN_SIZE)
    if short < min_size:
        dataset.min_size = short
        print_log(f'The finest scale is {short} px on its short side, so the '
                  f'coarsest is too: min_size={short} (the preset: '
                  f'{min_size}).', logger='current')


def _on_terminal() -> bool:
    """Whether the progress bar can be redrawn (stderr is a terminal)."""
    return sys.stderr.isatty()


def _may_report(work_dir: str, args: argparse.Namespace) -> bool:
    """Whether a failure before the run owned the work dir may be written.

    Yes into an existing folder this run would have used (so a program
    watching it learns why); not into a folder that does not exist, nor
    over an earlier run this one was refused to replace.
    """
    if not osp.isdir(work_dir):
        return False
    if args.resume is not None or args.overwrite:
        return True
    try:
        check_earlier_run(work_dir, False, False)
    except UserInputError:
        return False
    return True


def _report_failure(path: str, err: BaseException) -> None:
    """Write ``failed`` and the error line; never hide ``err`` itself."""
    try:
        ProgressFile(path, keep=True).update(status='failed',
                                             error=_error_line(err))
    except OSError:
        pass  # e.g. the disk is full: the error itself is what matters


def _error_line(err: BaseException) -> str:
    """The ``error: ...`` line of a failure, for progress.json."""
    if isinstance(err, KeyboardInterrupt):
        return 'error: interrupted; continue with --resume.'
    if isinstance(err, (ValueError, OSError)):
        return format_user_error(err)
    return f'error: {type(err).__name__}: {" ".join(str(err).split())}'


def _print_next(work_dir: str, preset: Preset, results: dict,
                times: dict) -> None:
    """Where everything is, and the commands to try next.

    ``times``: ``training`` (the run's, earlier sessions included),
    ``before`` (of those sessions), ``session`` and ``sampling`` (this
    command's).
    """
    run = shlex.quote(osp.normpath(work_dir))
    total = times['before'] + times['session'] + times['sampling']
    detail = f'training {format_seconds(times["training"])}'
    if times['before'] > 0:
        detail += (f', of which {format_seconds(times["before"])} before '
                   'the resume')
    print(f'\nDone in {format_seconds(total)} ({detail}; samples '
          f'{format_seconds(times["sampling"])}). Work dir: '
          f'{osp.abspath(work_dir)}')
    print(f'  {len(results["samples"])} samples: '
          f'{osp.dirname(results["samples"][0])}')
    print(f'  grid:      {results["grid"]}')
    print(f'  animation: {results["gif"]}')
    print('Next:')
    print(f'  singan sample {run} --num 8 --factors 1x2   # a panorama')
    print(f'  singan animate {run} --frames 60')
    if preset.injection:
        print(f'  singan harmonize {run} --input PASTED.png --mask '
              'MASK.png')
    print('  singan app                                # in the browser')
