"""The presets of ``singan train``: a name for each shipped schedule.

One table, read by the ``singan`` command (``singan train --preset``,
``singan configs``) and by the browser app (its preset choices)::

    demo   -> configs/singan/singan_balloons_demo.py   (minutes on a laptop)
    fast   -> configs/singan/singan_balloons_fast.py   (concurrent scales)
    paper  -> configs/singan/singan_balloons.py        (the paper's schedule)

A preset's config supplies the model and the schedule; ``singan train``
replaces its image and derives ``num_scales`` from the user's photo.
"""
import difflib
from dataclasses import dataclass
from typing import Dict

from .cli import UserInputError

__all__ = ['Preset', 'PRESETS', 'DEFAULT_PRESET', 'get_preset']


@dataclass(frozen=True)
class Preset:
    """A named training schedule.

    Args:
        config (str): Name of a shipped config (``singan.resources``).
        description (str): One line for ``--help`` and the app.
        injection (bool): Whether the trained model suits the applications
            that inject an image at a scale (harmonize, edit, paint2image,
            sr); sampling and animation work with every preset.
    """
    config: str
    description: str
    injection: bool


#: Preset name -> schedule. The lead may change the entries; keep one table.
PRESETS: Dict[str, Preset] = {
    'demo': Preset(
        'singan_balloons_demo',
        'finest scale 128 px, 250 iterations per scale: about 15-20 min '
        'on a 2-core CPU', injection=True),
    'fast': Preset(
        'singan_balloons_fast',
        'finest scale 250 px, 270 iterations per scale, the last 3 scales '
        'trained together (ConSinGAN-style): about 40 min', injection=True),
    'paper': Preset(
        'singan_balloons',
        "the paper's schedule: finest scale 250 px, 2000 iterations per "
        'scale: about 13 h on a 2-core CPU', injection=True),
}

#: The preset of ``singan train`` without ``--preset``.
DEFAULT_PRESET = 'demo'


def get_preset(name: str) -> Preset:
    """The preset called ``name``.

    Args:
        name (str): A key of :data:`PRESETS`.

    Returns:
        Preset: Its entry.

    Raises:
        UserInputError: No such preset; the message names the valid ones.
    """
    if name in PRESETS:
        return PRESETS[name]
    close = difflib.get_close_matches(name, list(PRESETS), n=1, cutoff=0.5)
    hint = f'did you mean {close[0]}? ' if close else ''
    raise UserInputError(
        f'--preset {name!r} is not a preset ({hint}valid presets: '
        f'{", ".join(PRESETS)}). Pass one of them, e.g. --preset '
        f'{close[0] if close else DEFAULT_PRESET}.')
