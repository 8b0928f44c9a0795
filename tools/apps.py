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
docs/applications.md. The sub-commands are those of the ``singan`` command
(``singan sample WORK_DIR ...``), one implementation in
``singan/commands/apps.py``.
"""
import argparse
import sys

import _bootstrap  # noqa: F401

from singan.cli import run_cli
from singan.commands.apps import OOM_FIX, add_app_commands


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Applications of a trained SinGAN')
    add_app_commands(parser.add_subparsers(dest='command', required=True),
                     work_dir_form=False)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    args.func(args)


if __name__ == '__main__':
    sys.exit(run_cli(main, OOM_FIX))
