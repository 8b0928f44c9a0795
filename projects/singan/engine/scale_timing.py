"""Starting a scale and timing its iterations: shared by loop and benchmark.

The train loop starts every scale with :func:`start_scale`; before training
it times one or a few iterations of each scale on a copy of the model
(:func:`probe_seconds_per_iter`) to know what each scale will cost, and
``tools/benchmark.py`` times scales with the same functions.
"""
import copy
import time
from typing import Callable, Dict, List, Sequence

import torch

from .threads import scale_threads

__all__ = ['start_scale', 'time_iterations', 'probe_seconds_per_iter']

#: Timed iterations per scale of the probe (after one warm-up).
PROBE_ITERS = 3


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
                    clock: Callable[[], float] = time.perf_counter
                    ) -> List[float]:
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

    Returns:
        list[float]: Seconds of each timed iteration.
    """
    for _ in range(warmup):
        model.train_step(data, optimizers)
    times: List[float] = []
    while len(times) < iters or (sum(times) < min_seconds
                                 and len(times) < max_iters):
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
                           resumed_inside: bool) -> Dict[int, float]:
    """Seconds per iteration of every scale still to train.

    Trains a deep copy of model and optimizers for a few iterations per
    scale, under the same thread policy as training, with the random state
    forked, so the real run is unchanged. Each scale gets one warm-up and at
    least ``PROBE_ITERS`` timed iterations, of which the fastest counts: a
    moment of contention (other processes on the cores) slows an iteration
    several-fold. The fastest is optimistic (on the demo config, quiet
    machine, the two-thread scales then ran 1.13-1.27x it); the calibration
    on the real iterations corrects part of that.

    Args:
        model (SinGAN): The model, at the scale training continues from.
        optimizers (ScaleOptimizers): Its optimizers.
        reals (Sequence[torch.Tensor]): Real image per scale, on the device.
        single_thread_pixels (int): See :func:`scale_threads`.
        resumed_inside (bool): Training continues inside the model's
            current scale (time it too) rather than after it.

    Returns:
        dict[int, float]: Scale -> seconds per iteration.
    """
    model = copy.deepcopy(model).train()
    optimizers = optimizers.copy_for(model)
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    first = model.current_scale + (0 if resumed_inside else 1)
    seconds = {}
    devices = list(range(torch.cuda.device_count())) \
        if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        for scale in range(first, len(reals)):
            if scale > model.current_scale:
                start_scale(model, optimizers, scale, reals)
            with scale_threads(reals[scale], single_thread_pixels):
                times = time_iterations(model, optimizers, data,
                                        iters=PROBE_ITERS, min_seconds=0.05)
            seconds[scale] = min(times)
    return seconds
