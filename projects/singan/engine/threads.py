"""How many CPU threads a scale trains on: chosen by timing, or forced.

Two OpenMP threads beat one on the large convolutions of a quiet machine,
but when other processes share the cores they spin and stall: the same
scale ran ~10x slower on two threads than on one under load
(docs/speed.md). No fixed rule fits both, so :class:`ThreadTuner` measures:
every scale starts on a guess (one thread below ``single_thread_pixels``,
torch's default above, or the count an earlier scale moved to), and every
``recheck_every`` iterations - at once when the iterations run much slower
than before, which is what contention looks like - it trains a few
iterations on a neighbouring count and keeps whichever was faster. ``threads=N`` forces N everywhere.
"""
import statistics
from collections import deque
from contextlib import contextmanager
from typing import Deque, Iterator, List, Optional

import torch

__all__ = ['scale_threads', 'guess_threads', 'ThreadTuner']


def guess_threads(real: torch.Tensor, single_thread_pixels: int,
                  most: int) -> int:
    """The thread count a scale starts on, before any timing.

    Args:
        real (torch.Tensor): The scale's real image, ``(1, C, H, W)``.
        single_thread_pixels (int): Scales of fewer pixels (H x W) start on
            one thread; 0: never.
        most (int): Torch's thread count otherwise.

    Returns:
        int: The count.
    """
    small = real.shape[-2] * real.shape[-1] < single_thread_pixels
    return 1 if small else most


@contextmanager
def scale_threads(real: torch.Tensor, single_thread_pixels: int,
                  threads: Optional[int] = None) -> Iterator:
    """The first guess (or ``threads``) while a CPU scale runs, then back.

    Used by the ETA probe and ``tools/benchmark.py``; the train loop goes
    on to time the guess with :class:`ThreadTuner`. GPU scales keep torch's
    setting.

    Args:
        real (torch.Tensor): The scale's real image, ``(1, C, H, W)``.
        single_thread_pixels (int): See :func:`guess_threads`.
        threads (int, optional): Force this count; ``None``: the guess.

    Returns:
        Iterator: A context manager.
    """
    before = torch.get_num_threads()
    wanted = before
    if real.device.type == 'cpu':
        wanted = threads or guess_threads(real, single_thread_pixels, before)
    if wanted != before:
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _threads(count: int) -> str:
    return f'{count} thread' + ('' if count == 1 else 's')


def _ladder(most: int) -> List[int]:
    """Counts worth trying: 1, 2, 4, ... and ``most``."""
    counts, n = [], 1
    while n < most:
        counts.append(n)
        n *= 2
    return counts + [most]


class ThreadTuner:
    """Picks the fastest thread count of every scale while it trains.

    The loop calls :meth:`start_scale`, then around every iteration
    :meth:`threads_now` (the count to set) and :meth:`record` (its seconds);
    :attr:`trial` says whether that iteration was a trial of another count
    (the ETA leaves those out); :attr:`log` grows by a line whenever a trial
    wins. A trial stops after its first iteration
    when that one took over twice the current count's median.

    Args:
        threads (int, optional): Force this count; ``None``: tune.
        single_thread_pixels (int): See :func:`guess_threads`.
        most (int, optional): Largest count; ``None``: torch's at creation.
        recheck_every (int): Iterations on one count between two trials;
            doubled (up to 8x) after every trial the current count wins.
        trial_iters (int): Iterations of a trial.
        window (int): Recent iterations whose median stands for a count.
        margin (float): A trial must be this much faster to be kept.
        contention (float): A recent median over ``contention`` x the
            reference (the probed seconds per iteration, then the median of
            the count kept at the last trial) starts a trial at once: the
            machine got busier.
    """

    def __init__(self, threads: Optional[int] = None,
                 single_thread_pixels: int = 4096,
                 most: Optional[int] = None, recheck_every: int = 60,
                 trial_iters: int = 3, window: int = 5,
                 margin: float = 0.1, contention: float = 2.0) -> None:
        if threads is not None and (not isinstance(threads, int)
                                    or threads < 1):
            raise ValueError(f'threads={threads!r} must be an integer >= 1 '
                             '(or None: chosen by timing), e.g. threads=1.')
        self.forced = threads
        self.single_thread_pixels = single_thread_pixels
        self.counts = _ladder(most or torch.get_num_threads())
        self.recheck_every = recheck_every
        self.trial_iters = trial_iters
        self.margin = margin
        self.contention = contention
        self.current = self.counts[-1]
        self.trial: Optional[int] = None  # the count on trial, if any
        self._reference: Optional[float] = None
        self._recent: Deque[float] = deque(maxlen=window)
        self._trial_times: List[float] = []
        self._since_trial = 0
        self._wait = recheck_every
        self._up = False  # direction of the next trial
        self._learned: Optional[int] = None  # the last count a trial won
        self.log: List[str] = []  # decisions, for the log

    @property
    def tuning(self) -> bool:
        """Whether counts are tried (CPU, not forced, more than one)."""
        return self.forced is None and len(self.counts) > 1

    def start_scale(self, real: torch.Tensor,
                    probed: Optional[float] = None) -> None:
        """A scale starts: its first guess, a trial soon.

        The guess is by pixel count, unless a trial of an earlier scale
        moved training to another count: what the machine is like now
        carries over.

        Args:
            real (torch.Tensor): The scale's real image.
            probed (float, optional): Its probed seconds per iteration.

        Returns:
            None
        """
        if real.device.type != 'cpu':
            self.counts = [torch.get_num_threads()]
        self.current = self.forced or self._learned or guess_threads(
            real, self.single_thread_pixels, self.counts[-1])
        if self.current not in self.counts and self.forced is None:
            self.current = self.counts[-1]
        self._reference = probed
        self.trial = None
        self._recent.clear()
        self._since_trial = 0
        self._wait = self._recent.maxlen  # first trial early
        self._up = self.current == 1

    def threads_now(self) -> int:
        """The count the next iteration runs on."""
        return self.trial or self.current

    def record(self, seconds: float) -> None:
        """The iteration just run took ``seconds``; decide what comes next.

        Args:
            seconds (float): Its time.

        Returns:
            None
        """
        if not self.tuning:
            return
        if self.trial is not None:
            self._record_trial(seconds)
            return
        self._recent.append(seconds)
        self._since_trial += 1
        full = len(self._recent) == self._recent.maxlen
        if full and (self._since_trial >= self._wait or self._contended()):
            self._start_trial()

    def _contended(self) -> bool:
        """Recent iterations far slower than the reference."""
        return self._reference is not None and \
            self._median() > self.contention * self._reference

    def _median(self) -> float:
        return statistics.median(self._recent)

    def _start_trial(self) -> None:
        """Try the neighbouring count, upwards and downwards in turn."""
        i = self.counts.index(self.current) if self.current in \
            self.counts else len(self.counts) - 1
        up, down = i + 1 < len(self.counts), i > 0
        go_up = up and (self._up or not down)
        self._up = not go_up
        self.trial = self.counts[i + 1 if go_up else i - 1]
        self._trial_times = []

    def _record_trial(self, seconds: float) -> None:
        """Count a trial iteration; end the trial once it has lost or won."""
        self._trial_times.append(seconds)
        baseline = self._median()
        lost = seconds > 2 * baseline
        if not lost and len(self._trial_times) < self.trial_iters:
            return
        trial, self.trial = self.trial, None
        faster = not lost and statistics.median(self._trial_times) < \
            (1 - self.margin) * baseline
        self._since_trial = 0
        self._reference = statistics.median(self._trial_times) if faster \
            else baseline
        if faster:
            self.log.append(
                f'{_threads(trial)} instead of {self.current}, faster now '
                f'({statistics.median(self._trial_times):.3g} against '
                f'{baseline:.3g} s per iteration)')
            self.current = self._learned = trial
            self._recent.clear()
            self._recent.extend(self._trial_times)
            self._wait = self.recheck_every
        else:
            self._wait = min(2 * self._wait, 8 * self.recheck_every) \
                if self._wait >= self.recheck_every else self.recheck_every
