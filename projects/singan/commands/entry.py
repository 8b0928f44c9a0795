"""The ``singan`` command: one parser, a sub-command per task.

    singan train photo.jpg [--preset demo|fast|paper]
    singan sample work_dirs/photo --num 8 --factors 1x2
    singan inject|reconstruct|harmonize|edit|paint2image|sr|animate ...
    singan app [--port 7860]
    singan configs

Each sub-command's parser sets ``func`` (``set_defaults``), which takes
the parsed arguments. Bad input ends with one ``error: ...`` line and exit
status 2 (``singan.cli.run_cli``).
"""
import argparse
from typing import List, Optional

from ..cli import run_cli
from . import browser_app, listing, train
from .apps import OOM_FIX, add_app_commands

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``singan`` and its sub-commands.

    Returns:
        argparse.ArgumentParser: Parses ``singan SUBCOMMAND ...``.
    """
    parser = argparse.ArgumentParser(
        prog='singan', description='SinGAN: learn one photo, then sample, '
        'animate, harmonize, edit and upscale it.')
    sub = parser.add_subparsers(dest='command', required=True,
                                metavar='COMMAND')
    train.add_arguments(sub.add_parser(
        'train', help='train on one photo (then samples, grid, GIF)',
        description='Train SinGAN on one photo.'))
    add_app_commands(sub)
    browser_app.add_arguments(sub.add_parser(
        'app', add_help=False, help='the browser app (needs the demo '
        'extra)'))
    listing.add_arguments(sub.add_parser(
        'configs', aliases=['list'], help='the presets and shipped configs'))
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run ``singan`` with ``argv`` (default: the command line).

    Args:
        argv (list[str], optional): Arguments without the program name.

    Returns:
        int: Exit status: 0 done, 2 bad input, 130 interrupted.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == 'app':
        args.app_argv = rest  # the app's own arguments
    elif rest:
        parser.error(f'unrecognized arguments: {" ".join(rest)}')
    status = []
    fix = train.OOM_FIX if args.command == 'train' else OOM_FIX
    code = run_cli(lambda: status.append(args.func(args)), fix)
    if code == 0 and status:
        return int(status[0] or 0)  # the app's own status
    return code
