"""Time left in a SinGAN run, from what each scale costs.

An iteration at the finest scale of the paper costs ~200x one at the
coarsest (the cost grows about with H x W x channels^2, plus a fixed
overhead per step that dominates the coarse scales), so the average over the
iterations run so far - mmengine's ETA - is wrong by up to 30x early on.
:class:`ScaleETA` takes a cost per iteration of every scale (measured on a
copy of the model before training, see ``scale_timing.py``) and calibrates
it on the iterations actually run: time left = (measured seconds / probed
seconds of the iterations run) x probed seconds of the iterations left.
"""
import time
from typing import Callable, Dict, Mapping, Optional

__all__ = ['ScaleETA']


class ScaleETA:
    """Seconds left, from per-scale costs calibrated on the run so far.

    Args:
        iters_per_scale (int): Iterations of every scale.
        costs (Mapping[int, float]): Scale -> probed seconds per iteration,
            for every scale still to train.
        clock (Callable[[], float]): Time source (a fake one in tests).
    """

    def __init__(self, iters_per_scale: int, costs: Mapping[int, float],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if not costs:
            raise ValueError('ScaleETA needs the cost of at least one scale.')
        self.iters_per_scale = iters_per_scale
        self.costs: Dict[int, float] = dict(costs)
        self.clock = clock
        self._done: Dict[int, int] = {}  # iterations run, this session
        self._position = (min(self.costs), 0)
        self._seconds = 0.0
        self._since: Optional[float] = None

    def start(self, scale: int, scale_iter: int) -> None:
        """Training (re)starts at ``scale_iter`` iterations into ``scale``.

        Args:
            scale (int): The scale.
            scale_iter (int): Its iterations already done.

        Returns:
            None
        """
        self._position = (scale, scale_iter)
        self._since = self.clock()

    def iteration_done(self) -> None:
        """Count one more iteration of the current scale, and its time."""
        now = self.clock()
        if self._since is not None:
            self._seconds += now - self._since
        self._since = now
        scale, scale_iter = self._position
        self._done[scale] = self._done.get(scale, 0) + 1
        self._position = (scale, scale_iter + 1)

    @property
    def calibration(self) -> float:
        """Measured / probed seconds of the iterations run (1 before any)."""
        probed = sum(self.costs[s] * n for s, n in self._done.items())
        return self._seconds / probed if probed > 0 else 1.0

    def seconds_left(self) -> float:
        """Estimated seconds until the last scale ends."""
        scale, scale_iter = self._position
        probed = self.costs[scale] * max(self.iters_per_scale - scale_iter, 0)
        probed += sum(cost * self.iters_per_scale
                      for s, cost in self.costs.items() if s > scale)
        return self.calibration * probed
