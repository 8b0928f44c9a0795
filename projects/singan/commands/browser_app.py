"""``singan app``: the browser app, handed to ``singan.webapp``.

The app lives in its own package and needs the ``demo`` extra (gradio); it
is imported only when ``singan app`` runs, so every other command works
without it. ``singan.webapp`` provides exactly two functions:
``add_arguments(parser)`` and ``run(args) -> int``.
"""
import argparse
import importlib
from typing import List

from ..cli import UserInputError

__all__ = ['add_arguments', 'run']

#: The extra that installs what the app needs.
_EXTRA = "pip install 'singan-mmengine[demo]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``singan app``: its own arguments are the app's, parsed later.

    Args:
        parser (argparse.ArgumentParser): The sub-command's parser, made
            with ``add_help=False`` so ``--help`` reaches the app's parser.

    Returns:
        None
    """
    parser.set_defaults(func=run, app_argv=[])


def run(args: argparse.Namespace) -> int:
    """Import the app, parse its arguments, run it.

    Args:
        args (argparse.Namespace): With ``app_argv``, the words after
            ``singan app``.

    Returns:
        int: The app's exit status.
    """
    try:
        webapp = importlib.import_module('singan.webapp')
    except ImportError as err:
        raise UserInputError(
            f'singan app needs the demo extra: {_EXTRA} ({err})') from None
    parser = argparse.ArgumentParser(
        prog='singan app', description='SinGAN in the browser: upload a '
        'photo, train, sample, harmonize.')
    webapp.add_arguments(parser)
    return webapp.run(parser.parse_args(_words(args)))


def _words(args: argparse.Namespace) -> List[str]:
    """The words given after ``singan app``."""
    return list(getattr(args, 'app_argv', None) or [])
