"""Log lines that say where a SinGAN run is and how long it has left.

``SinGANLogProcessor`` adds the scale, the iteration within it and the
percentage done to mmengine's line, and replaces mmengine's ETA (the mean
time of all iterations so far, times the iterations left) with the train
loop's, which knows what each scale costs (``eta.py``). ``SinGANLoggerHook``
writes a line every ``interval`` iterations, as mmengine's, and also when
``interval_seconds`` have passed since the last, so the slow fine scales
still show a line every minute.
"""
import re
import time
from typing import Callable, Optional, Tuple

from mmengine.hooks import LoggerHook
from mmengine.runner import LogProcessor

from ..registry import HOOKS, LOG_PROCESSORS

__all__ = ['SinGANLogProcessor', 'SinGANLoggerHook']

_HEADER = re.compile(r'^(Iter\(train\) +\[[^\]]*\] +)')


@LOG_PROCESSORS.register_module()
class SinGANLogProcessor(LogProcessor):
    """mmengine's ``LogProcessor`` with the scale, progress and a real ETA.

    A train line reads ``Iter(train) [ 150/1500]  scale 0/5 [150/250]
    10.0%  ... eta: 0:11:40 ...``. Falls back to mmengine's line when the
    train loop is not a ``SinGANTrainLoop``.
    """

    def get_log_after_iter(self, runner, batch_idx: int,
                           mode: str) -> Tuple[dict, str]:
        """The tag and line of mmengine, completed for train iterations."""
        progress = getattr(runner.train_loop, 'progress', None) \
            if mode == 'train' else None
        info = progress() if progress else None
        if info and info['eta_s'] is not None and \
                'eta' in runner.message_hub.runtime_info:
            runner.message_hub.update_info('eta', info['eta_s'])
        tag, log_str = super().get_log_after_iter(runner, batch_idx, mode)
        if info:
            where = (f'scale {info["scale"]}/{info["num_scales"]} '
                     f'[{info["scale_iter"]}/{info["iters_per_scale"]}]  '
                     f'{info["percent"]:.1f}%  ')
            log_str = _HEADER.sub(lambda m: m.group(1) + where, log_str,
                                  count=1)
        return tag, log_str


@HOOKS.register_module()
class SinGANLoggerHook(LoggerHook):
    """``LoggerHook`` that also logs when ``interval_seconds`` have passed.

    Args:
        interval_seconds (float): Longest time between two train lines;
            0: by count only. Defaults to 60.
        clock (Callable[[], float], optional): Time source (tests).
        **kwargs: The arguments of ``LoggerHook`` (``interval`` ...).
    """

    def __init__(self, interval_seconds: float = 60.0,
                 clock: Optional[Callable[[], float]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if interval_seconds < 0:
            raise ValueError(f'interval_seconds={interval_seconds!r} must be '
                             '>= 0.')
        self.interval_seconds = interval_seconds
        self.clock = clock or time.monotonic
        self._last_line: Optional[float] = None

    def before_train(self, runner) -> None:
        """Start the clock of the time-based lines."""
        self._last_line = self.clock()

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Write a line when ``interval`` iterations or seconds have passed."""
        now = self.clock()
        by_count = self.every_n_inner_iters(batch_idx, self.interval)
        by_time = self.interval_seconds > 0 and self._last_line is not None \
            and now - self._last_line >= self.interval_seconds
        if not (by_count or by_time):
            return
        self._last_line = now
        tag, log_str = runner.log_processor.get_log_after_iter(
            runner, batch_idx, 'train')
        runner.logger.info(log_str)
        runner.visualizer.add_scalars(
            tag, step=runner.iter + 1, file_path=self.json_log_path)
