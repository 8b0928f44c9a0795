"""Starting a scale and timing its iterations: shared by loop and benchmark.

The train loop starts every scale with :func:`start_scale`; before training
it times one or a few iterations of each scale on a copy of the model
(:func:`probe_seconds_per_iter`) to know what each scale will cost, and
``tools/benchmark.py`` times scales with the same functions.
"""
import copy
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch

from .threads import scale_threads

__all__ = ['start_scale', 'time_iterations', 'probe_seconds_per_iter']

#: Timed iterations per scale of the probe (after one warm-up).
PROBE_ITERS = 3
#: Seconds the probe may take by default (the start-up before training).
PROBE_SECONDS = 12.0


def start_scale(model, optimizers, scale: int,
                reals: Sequence[torch.Tensor]) -> None:
    """Start ``scale`` in the model, then point the optimizers at it.

    Args:
        model (SinGAN): The model (not wrapped).
        optimizers (ScaleOptimizers): Its optimizers.
        scale (int): The scale to start; must follow the model's current.
        reals (Sequence[torch.Tensor]): Real image per scale, coarsest first.

    Returns:
        None
    """
    model.start_scale(scale, reals)
    optimizers.set_scale(scale, model.generator_lrs())


def time_iterations(model, optimizers, data: dict, iters: int,
                    warmup: int = 1, min_seconds: float = 0.0,
                    max_iters: int = 20,
                    clock: Callable[[], float] = time.perf_counter,
                    deadline: Optional[float] = None,
                    least: int = 1) -> List[float]:
    """Seconds of training iterations at the model's current scale.

    Args:
        model (SinGAN): Trains; its weights change.
        optimizers (ScaleOptimizers): Set to the current scale.
        data (dict): ``real_scale{i}`` tensors.
        iters (int): Timed iterations, at least.
        warmup (int): Untimed iterations first.
        min_seconds (float): Keep timing, up to ``max_iters``, until the
            timed iterations add up to this (tiny scales are noisy).
        max_iters (int): Cap of timed iterations when ``min_seconds`` asks
            for more than ``iters``.
        clock (Callable): Time source.
        deadline (float, optional): ``clock()`` value not to pass: after
            ``least`` timed iterations, no further one starts unless one
            more of the slowest so far would end before it.
        least (int): Timed iterations run whatever the deadline.

    Returns:
        list[float]: Seconds of each timed iteration.
    """
    for _ in range(warmup):
        model.train_step(data, optimizers)
    times: List[float] = []
    while len(times) < iters or (sum(times) < min_seconds
                                 and len(times) < max_iters):
        if len(times) >= least and deadline is not None and \
                clock() + max(times) > deadline:
            break
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = clock()
        model.train_step(data, optimizers)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(clock() - start)
    return times


def probe_seconds_per_iter(model, optimizers, reals: Sequence[torch.Tensor],
                           single_thread_pixels: int,
                           resumed_inside: bool,
                           threads: Optional[int] = None,
                           budget: float = PROBE_SECONDS,
                           report: Optional[Callable[[str], None]] = None,
                           clock: Callable[[], float] = time.perf_counter
                           ) -> Dict[int, float]:
    """Seconds per iteration of every scale still to train, in ``budget``.

    Trains a deep copy of model and optimizers for a few iterations per
    scale, coarse to fine, on the thread count training starts each scale
    on, with the random state forked, so the real run is unchanged. The
    first iteration of a scale warms up; of the next ``PROBE_ITERS`` the
    fastest counts: a moment of contention slows an iteration several-fold.
    The fastest is optimistic (on the demo config, quiet machine, the
    two-thread scales then ran 1.13-1.27x it); the ETA's calibration on the
    real iterations corrects that.

    The probe stays within ``budget`` seconds, also on a busy machine where
    one fine-scale iteration can take 10 s: a scale is timed only when two
    of its iterations, predicted from the last scale timed by pixel count,
    fit in what is left; the scales not timed get that prediction. The
    first scale timed always gets a warm-up and one timed iteration (the
    very first iteration of a process is several times slower than the
    next ones, so it would mislead every prediction).

    Args:
        model (SinGAN): The model, at the scale training continues from.
        optimizers (ScaleOptimizers): Its optimizers.
        reals (Sequence[torch.Tensor]): Real image per scale, on the device.
        single_thread_pixels (int): See :func:`scale_threads`.
        resumed_inside (bool): Training continues inside the model's
            current scale (time it too) rather than after it.
        threads (int, optional): A forced thread count (``threads.py``).
        budget (float): Seconds the probe may take, about.
        report (Callable[[str], None], optional): Told what the probe is
            doing (a line per scale, and one at the end).
        clock (Callable): Time source.

    Returns:
        dict[int, float]: Scale -> seconds per iteration.
    """
    report = report or (lambda text: None)
    began = clock()
    deadline = began + budget
    model = copy.deepcopy(model).train()
    optimizers = optimizers.copy_for(model)
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    first = model.current_scale + (0 if resumed_inside else 1)
    seconds: Dict[int, float] = {}
    guessed: List[int] = []
    devices = list(range(torch.cuda.device_count())) \
        if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        for scale in range(first, len(reals)):
            guess = _by_pixels(seconds, reals, scale)
            if guessed or (guess is not None and
                           clock() + 2 * guess > deadline):
                seconds[scale] = guess
                guessed.append(scale)
                continue
            if scale > model.current_scale:
                start_scale(model, optimizers, scale, reals)
            h, w = reals[scale].shape[-2:]
            report(f'timing scale {scale}/{len(reals) - 1} ({w}x{h}) for '
                   f'the ETA, {clock() - began:.0f} s of at most '
                   f'{budget:.0f} s')
            with scale_threads(reals[scale], single_thread_pixels, threads):
                times = time_iterations(
                    model, optimizers, data, iters=1 + PROBE_ITERS,
                    warmup=0, min_seconds=0.05, clock=clock,
                    deadline=deadline, least=1 if seconds else 2)
            seconds[scale] = min(times[1:] or times)
    report(_summary(seconds, guessed, clock() - began))
    return seconds


def _by_pixels(seconds: Dict[int, float], reals: Sequence[torch.Tensor],
               scale: int) -> Optional[float]:
    """A scale's seconds per iteration from the finest timed one, by
    pixel count (an overestimate at coarse scales: fixed costs)."""
    if not seconds:
        return None
    last = max(seconds)
    pixels = [r.shape[-2] * r.shape[-1] for r in (reals[last], reals[scale])]
    return seconds[last] * pixels[1] / pixels[0]


def _summary(seconds: Dict[int, float], guessed: List[int],
             took: float) -> str:
    """The probe's log line."""
    text = (f'Seconds per iteration, timed per scale on a copy of the model '
            f'for the ETA ({took:.1f} s): '
            + ', '.join(f'{s}: {c:.3g}' for s, c in seconds.items()))
    if guessed:
        text += (f'; scales {guessed[0]}-{guessed[-1]} not timed (budget '
                 'spent), scaled from the last timed one by pixel count')
    return text
