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

__all__ = ['Preset', 'PRESETS', 'DEFAULT_PRESET', 'get_preset',
           'markdown_table', 'larger_hint']


@dataclass(frozen=True)
class Preset:
    """A named training schedule, and what it costs.

    The one place each preset is described: ``singan train --help``, its
    start lines, ``singan configs``, the browser app and the README's
    preset table (``markdown_table``) all read these fields, and a test
    checks them against the configs and the README.

    Args:
        config (str): Name of a shipped config (``singan.resources``).
        max_size (int): Long side of the finest scale, px (the config's
            ``train_dataloader.dataset.max_size``).
        scales (int): Scales of a 4:3 photo (balloons.png, 248x186; a
            photo smaller than ``max_size`` is not scaled up).
        iters_per_scale (int): The config's ``train_cfg.iters_per_scale``.
        concurrent (int): Generator scales trained together (1: one at a
            time, the paper).
        time (str): Measured (or projected) training time, and where.
        injection (bool): Whether the trained model suits the applications
            that inject an image at a scale (harmonize, edit, paint2image,
            sr); sampling and animation work with every preset.
    """
    config: str
    max_size: int
    scales: int
    iters_per_scale: int
    concurrent: int
    time: str
    injection: bool = True

    @property
    def description(self) -> str:
        """One line for ``--help``, ``singan configs`` and the app."""
        together = (f', the last {self.concurrent} trained together'
                    if self.concurrent > 1 else ', one at a time')
        return (f'finest scale {self.max_size} px, {self.scales} scales for '
                f'a 4:3 photo, {self.iters_per_scale} iterations per '
                f'scale{together}: {self.time}')


#: Preset name -> schedule. The lead may change the entries; keep one table.
PRESETS: Dict[str, Preset] = {
    'demo': Preset(
        'singan_balloons_demo', max_size=128, scales=4, iters_per_scale=270,
        concurrent=3, time='6.2 min of training on a quiet 2-core CPU '
        '(measured)'),
    'fast': Preset(
        'singan_balloons_fast', max_size=250, scales=6, iters_per_scale=270,
        concurrent=3, time='~41 min on a quiet 2-core CPU (projected from '
        '45.5 min measured at 300 iterations)'),
    'paper': Preset(
        'singan_balloons', max_size=300, scales=9, iters_per_scale=2000,
        concurrent=1, time="~12.7 h for balloons.png (248 px) on a 2-core "
        "CPU (projected): the paper's schedule"),
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


def markdown_table() -> str:
    """The README's preset table, made from :data:`PRESETS`.

    Returns:
        str: A Markdown table, a row per preset.
    """
    rows = ['| preset | finest scale | scales (4:3 photo) | iterations per '
            'scale | time |', '| --- | --- | --- | --- | --- |']
    for name, p in PRESETS.items():
        mark = ' (default)' if name == DEFAULT_PRESET else ''
        together = f', last {p.concurrent} together' if p.concurrent > 1 \
            else ''
        rows.append(f'| `{name}`{mark} | {p.max_size} px | {p.scales} | '
                    f'{p.iters_per_scale}{together} | {p.time} |')
    return '\n'.join(rows)


def larger_hint(preset: str) -> str:
    """How to get a larger result than ``preset`` gives, and the cost.

    Args:
        preset (str): A key of :data:`PRESETS`.

    Returns:
        str: One sentence.
    """
    demo, fast = PRESETS['demo'], PRESETS['fast']
    cost = (f'the time grows faster than the pixels: {demo.max_size} px '
            f'{demo.time.split(" on ")[0]}, {fast.max_size} px '
            f'{fast.time.split(" on ")[0]}')
    if PRESETS[preset].max_size >= fast.max_size:
        return f'Larger results: --max-size PX ({cost}).'
    return f'Larger results: --preset fast or --max-size PX ({cost}).'
