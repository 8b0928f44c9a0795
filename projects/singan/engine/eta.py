"""Time left in a SinGAN run, from what each scale costs.

An iteration at the finest scale of the paper costs ~200x one at the
coarsest (the cost grows about with H x W x channels^2, plus a fixed
overhead per step that dominates the coarse scales), so the average over the
iterations run so far - mmengine's ETA - is wrong by up to 30x early on.
:class:`ScaleETA` takes a cost per iteration of every scale (measured on a
copy of the model before training, see ``scale_timing.py``) and calibrates
it on the iterations actually run: time left = (measured seconds / probed
seconds of the recent iterations) x probed seconds of the iterations left.
"Recent" is an exponential weighting by iteration (half-life ``halflife``
iterations): when the machine gets busier (or quieter) mid-run the ETA
follows within a few dozen iterations, where a mean over the whole run
would lag for as long as the run had gone.
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
        halflife (float): Iterations after which an iteration's weight in
            the calibration has halved.
    """

    def __init__(self, iters_per_scale: int, costs: Mapping[int, float],
                 clock: Callable[[], float] = time.perf_counter,
                 halflife: float = 25.0) -> None:
        if not costs:
            raise ValueError('ScaleETA needs the cost of at least one scale.')
        if not halflife > 0:
            raise ValueError(f'halflife={halflife!r} must be > 0.')
        self.iters_per_scale = iters_per_scale
        self.costs: Dict[int, float] = dict(costs)
        self.clock = clock
        self.decay = 0.5 ** (1.0 / halflife)
        self._position = (min(self.costs), 0)
        self._measured = 0.0  # decayed sums over the iterations run
        self._probed = 0.0
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

    def iteration_done(self, typical: bool = True) -> None:
        """Count one more iteration of the current scale, and its time.

        Args:
            typical (bool): Whether its time says what the next ones will
                cost; ``False`` (e.g. a trial of another thread count, see
                ``threads.py``): it counts as done, its time is left out.

        Returns:
            None
        """
        now = self.clock()
        scale, scale_iter = self._position
        if self._since is not None and typical:
            self._measured = self.decay * self._measured + now - self._since
            self._probed = self.decay * self._probed + self.costs[scale]
        self._since = now
        self._position = (scale, scale_iter + 1)

    def recalibrate(self) -> None:
        """Forget the calibration so far: the iterations to come differ
        (e.g. training moved to another thread count).

        Returns:
            None
        """
        self._measured = self._probed = 0.0

    @property
    def calibration(self) -> float:
        """Measured / probed seconds of the recent iterations (1 before
        any)."""
        return self._measured / self._probed if self._probed > 0 else 1.0

    def seconds_left(self) -> float:
        """Estimated seconds until the last scale ends."""
        scale, scale_iter = self._position
        probed = self.costs[scale] * max(self.iters_per_scale - scale_iter, 0)
        probed += sum(cost * self.iters_per_scale
                      for s, cost in self.costs.items() if s > scale)
        return self.calibration * probed
