"""``singan configs``: the presets of ``singan train`` and the configs."""
import argparse

from ..presets import DEFAULT_PRESET, PRESETS
from ..resources import config_dirs, list_configs

__all__ = ['add_arguments', 'run']


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``singan configs`` takes no arguments.

    Args:
        parser (argparse.ArgumentParser): The sub-command's parser.

    Returns:
        None
    """
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the presets, then the shipped configs and where they are.

    Args:
        args (argparse.Namespace): Unused.

    Returns:
        int: 0.
    """
    print('Presets of singan train --preset:')
    for name, preset in PRESETS.items():
        mark = ' (default)' if name == DEFAULT_PRESET else ''
        print(f'  {name:6s} {preset.config}{mark}: {preset.description}')
    print(f'Configs of tools/train.py (in {", ".join(config_dirs())}):')
    for name in list_configs():
        print(f'  {name}')
    return 0
