"""A one-line progress bar for ``singan train`` on a terminal.

The numbers are the train loop's (``SinGANTrainLoop.progress``: scale,
iteration within it, percentage, and the ETA of ``engine/eta.py``, which
knows what each scale costs); this module only draws them::

    scale 3/6 [120/250] [##########----------]  45.2%  ETA 6:41

Off a terminal (a pipe, a log file, the browser app's subprocess) the same
line is written as a plain line every half minute. mmengine's log lines
(environment, config, losses) go to the log file only.
"""
import os.path as osp
import shutil
import sys
import time
from typing import Callable, Optional, TextIO

from mmengine.hooks import Hook

from ..engine.progress_file_hook import SNAPSHOT_INFO

__all__ = ['format_progress', 'format_seconds', 'ProgressBarHook']


def format_seconds(seconds: Optional[float]) -> str:
    """``H:MM:SS`` or ``M:SS``; ``'?'`` when unknown.

    Args:
        seconds (float, optional): Seconds.

    Returns:
        str: The duration, rounded to whole seconds.
    """
    if seconds is None:
        return '?'
    minutes, secs = divmod(int(round(max(seconds, 0.0))), 60)
    hours, minutes = divmod(minutes, 60)
    return (f'{hours}:{minutes:02d}:{secs:02d}' if hours else
            f'{minutes}:{secs:02d}')


def format_progress(info: dict, width: int = 80) -> str:
    """The bar's line for the train loop's ``progress()``.

    Args:
        info (dict): ``scale``, ``num_scales`` (the finest scale's index,
            as the log lines count), ``scale_iter``, ``iters_per_scale``,
            ``percent``, ``eta_s``.
        width (int): Columns available; the bar takes what the text leaves.

    Returns:
        str: One line, at most ``width - 1`` characters.
    """
    head = (f'scale {info["scale"]}/{info["num_scales"]} '
            f'[{info["scale_iter"]}/{info["iters_per_scale"]}] ')
    tail = f' {info["percent"]:5.1f}%  ETA {format_seconds(info["eta_s"])}'
    room = width - 1 - len(head) - len(tail) - 2
    if room < 5:
        return (head + tail.lstrip())[:width - 1]
    filled = int(room * min(max(info['percent'], 0.0), 100.0) / 100)
    return f'{head}[{"#" * filled}{"-" * (room - filled)}]{tail}'


class ProgressBarHook(Hook):
    """The progress of ``singan train``: a bar on a terminal, lines off one.

    On a terminal (``redraw=True``) the bar's line is redrawn after
    iterations; elsewhere (a pipe, a file) a plain line is written every
    ``min_seconds``. Either way a line stays for the full log's path, the
    probe's start, and every finished scale.

    Args:
        stream (TextIO): Where to write; ``None``: ``sys.stderr``.
        min_seconds (float): Least time between two redraws (or lines).
        clock (Callable[[], float], optional): Time source (tests).
        redraw (bool): Redraw one line (a terminal) rather than append.
    """

    priority = 'LOWEST'

    def __init__(self, stream: Optional[TextIO] = None,
                 min_seconds: float = 0.2,
                 clock: Optional[Callable[[], float]] = None,
                 redraw: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.min_seconds = min_seconds
        self.clock = clock or time.monotonic
        self.redraw = redraw
        self._last: Optional[float] = None
        self._drawn = False

    def before_train(self, runner) -> None:
        """Where the full log is; what the quiet seconds before training
        are."""
        log = osp.join(runner.log_dir, f'{runner.timestamp}.log')
        self._line(f'full log (environment, config, losses): {log}')
        self._draw('starting: timing a few iterations of every scale for '
                   'the ETA ...')

    def during_probe(self, runner, text: str) -> None:
        """The probe's progress (``SinGANTrainLoop``)."""
        if self.redraw and text.startswith('timing'):
            self._draw(f'starting: {text} ...')

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Redraw, at most every ``min_seconds``."""
        now = self.clock()
        if self._last is not None and now - self._last < self.min_seconds:
            return
        self._last = now
        self._draw(format_progress(self._info(runner), self._width()))

    def after_train_scale(self, runner, scale: int, real=None) -> None:
        """A line that stays: the scale is done, where its snapshot is."""
        snapshot = runner.message_hub.get_info(SNAPSHOT_INFO)
        self._line(f'scale {scale}/{self._info(runner)["num_scales"]} done'
                   + (f'; snapshot: {snapshot}' if snapshot else ''))
        self._last = None  # redraw the bar at the next iteration

    def after_train(self, runner) -> None:
        """Leave the bar's line for the lines that follow."""
        if self._drawn:
            self.stream.write('\r\x1b[K')
            self.stream.flush()
            self._drawn = False

    @staticmethod
    def _info(runner) -> dict:
        """The loop's progress (``SinGANTrainLoop.progress``)."""
        return runner.train_loop.progress()

    @staticmethod
    def _width() -> int:
        return shutil.get_terminal_size((80, 24)).columns

    def _draw(self, text: str) -> None:
        """Replace the bar's line with ``text`` (off a terminal: a line)."""
        if not self.redraw:
            self._line(text)
            return
        self.stream.write('\r\x1b[K' + text[:self._width() - 1])
        self.stream.flush()
        self._drawn = True

    def _line(self, text: str) -> None:
        """Print ``text`` on its own line, where the bar was."""
        self.stream.write(('\r\x1b[K' if self._drawn else '') + text + '\n')
        self.stream.flush()
        self._drawn = False
