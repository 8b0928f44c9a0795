"""How much memory making a picture takes, and the budget it must fit.

Pure functions of sizes, channel widths and batch sizes (plus the free
memory of the machine, :func:`memory_budget`): the tools call them before
the first step, so a size, count or factor that would not fit in memory is
refused at once, with the estimate and the largest value that fits, instead
of ending in an allocation traceback (or being killed) minutes later.

The memory model (measured in ``tests/test_limits.py``): the cascade runs
without gradients, one scale after the other. At a scale of ``H x W`` the
input is padded to ``(H + 10) x (W + 10)``; while one convolution of
``c_in -> c_out`` channels runs, its input, its output, the BatchNorm output
and the re-ordered copy of the input that oneDNN makes are alive:
``2 c_in + 2 c_out`` float32 maps. The finished scales' outputs
(``3`` channels each) stay alive until the end.
"""
import os
from typing import Callable, List, Optional, Sequence, Tuple

from .noise import PAD

__all__ = [
    'MemoryLimitError', 'cascade_peak_bytes', 'sr_peak_bytes',
    'figure_bytes', 'memory_budget', 'largest_fitting', 'check_fits',
    'format_bytes', 'conv_channels', 'block_geometry'
]

#: float32.
BYTES_PER_VALUE = 4
#: Share of the free memory a run may plan to use: the rest is for Python,
#: torch's own buffers and what else runs on the machine.
USABLE_SHARE = 0.8

#: ``[(c_in, c_out), ...]`` of the convolutions of one scale.
Convs = Sequence[Tuple[int, int]]


class MemoryLimitError(ValueError):
    """A requested size or count would not fit in memory."""


def _layer_peak(convs: Convs) -> int:
    """Float maps alive at once while the widest convolution runs."""
    return max(4 * (c_in + c_out) for c_in, c_out in convs)


def cascade_peak_bytes(sizes: Sequence[Sequence[int]],
                       convs: Sequence[Convs], batch: int,
                       kept_per_scale: int = 0) -> int:
    """Peak memory of one pass of the cascade over ``sizes``.

    Args:
        sizes (Sequence[Sequence[int]]): ``(H, W)`` per scale, coarsest
            first.
        convs (Sequence[Convs]): The convolutions of each scale's
            generator, ``(c_in, c_out)`` each.
        batch (int): Images generated together (samples, frames).
        kept_per_scale (int): Extra float maps per image and scale kept for
            the whole pass (3 for the animation's walked noises).

    Returns:
        int: Bytes.
    """
    peak, kept = 0, 0
    for (height, width), scale_convs in zip(sizes, convs):
        pixels = height * width
        padded = (height + 2 * PAD) * (width + 2 * PAD)
        kept += kept_per_scale * pixels
        # prev, noise, noise * amp + prev, then the padded input
        inputs = 9 * pixels + 3 * padded
        peak = max(peak, kept + inputs + _layer_peak(scale_convs) * padded)
        kept += 3 * pixels  # this scale's output, kept to the end
    return BYTES_PER_VALUE * batch * peak


def sr_peak_bytes(size: Sequence[int], factor: float, steps: int,
                  convs: Convs, batch: int = 1) -> int:
    """Peak memory of super-resolution by ``factor`` in ``steps`` steps.

    Args:
        size (Sequence[int]): ``(h, w)`` of the input.
        factor (float): Upscaling factor.
        steps (int): Generator applications; each grows the image by
            ``factor ** (1 / steps)``.
        convs (Convs): The finest generator's convolutions.
        batch (int): Images upscaled together.

    Returns:
        int: Bytes; the last step dominates.
    """
    ratio = factor**(1 / steps)
    sizes = [(round(size[0] * ratio**k), round(size[1] * ratio**k))
             for k in range(1, steps + 1)]
    peak = 0
    for k, (height, width) in enumerate(sizes):
        before = sizes[k - 1] if k else size
        pixels = height * width
        padded = (height + 2 * PAD) * (width + 2 * PAD)
        # the output of the step before, its upsampling, the noise, the
        # padded input; then the bicubic baseline and uint8 copies at the end
        inputs = 3 * before[0] * before[1] + 9 * pixels + 3 * padded
        peak = max(peak, inputs + _layer_peak(convs) * padded)
    return BYTES_PER_VALUE * batch * peak


def figure_bytes(height: int, width: int, count: int) -> int:
    """Memory of a comparison figure of ``count`` pictures.

    Args:
        height (int): Height of each picture.
        width (int): Width of the widest picture.
        count (int): Pictures in the figure.

    Returns:
        int: Bytes: a float copy of each picture while it is resized, and
        the uint8 figure (made twice: the row, then the stacked rows).
    """
    picture = height * width * 3
    return picture * BYTES_PER_VALUE * 2 + 2 * count * picture


def _available_cpu_bytes() -> int:
    """``MemAvailable`` of ``/proc/meminfo``, else the physical memory."""
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')


def memory_budget(device: str = 'cpu',
                  max_memory_gb: Optional[float] = None) -> int:
    """Bytes a run may plan to use on ``device``.

    Args:
        device (str): ``'cpu'`` or a CUDA device.
        max_memory_gb (float, optional): A limit given by the user
            (``--max-memory``); ``None``: 80 % of what is free now.

    Returns:
        int: Bytes.
    """
    if max_memory_gb is not None:
        if not 0 < max_memory_gb < float('inf'):
            raise ValueError(f'--max-memory={max_memory_gb} must be a '
                             'positive number of GB.')
        return int(max_memory_gb * 2**30)
    if str(device).startswith('cuda'):
        import torch
        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return int(free * USABLE_SHARE)
    return int(_available_cpu_bytes() * USABLE_SHARE)


def largest_fitting(estimate: Callable[[float], int], budget: int,
                    low: float, high: float, integer: bool = True,
                    decimals: int = 2) -> Optional[float]:
    """Largest value in ``[low, high]`` whose estimate fits ``budget``.

    Args:
        estimate (Callable): Bytes for a value; must grow with the value.
        budget (int): Bytes available.
        low (float): Smallest value to consider.
        high (float): A value known not to fit.
        integer (bool): Search integers; else numbers of ``decimals``
            decimals (rounded down, so the answer fits).
        decimals (int): Precision of a non-integer answer.

    Returns:
        float | None: The value, or ``None`` when not even ``low`` fits.
    """
    step = 1 if integer else 10**-decimals
    lo, hi = round(low / step), round(high / step)
    if estimate(lo * step) > budget:
        return None
    while hi - lo > 1:  # estimate(lo) fits, estimate(hi) does not
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if estimate(mid * step) <= budget else (lo, mid)
    return lo if integer else round(lo * step, decimals)


def format_bytes(value: int) -> str:
    """``1.5 GB``, ``340 MB``.

    Args:
        value (int): Bytes.

    Returns:
        str: The value in GB (one decimal) from 1 GB on, else in MB.
    """
    if value >= 2**30:
        return f'{value / 2**30:.1f} GB'
    return f'{value / 2**20:.0f} MB'


def check_fits(what: str, needed: int, budget: int, largest: str,
               lower: str,
               source: str = 'set with --max-memory GB; default 80% of the '
               'free memory') -> None:
    """Raise :class:`MemoryLimitError` when ``needed`` exceeds ``budget``.

    Args:
        what (str): The request, e.g. ``'--factor 100'``.
        needed (int): Its estimated peak, in bytes.
        budget (int): Bytes available.
        largest (str): The largest request that fits, as the user would
            type it, e.g. ``'--factor 12.5'``; empty when none fits.
        lower (str): What else to lower when nothing fits.
        source (str): Where the budget comes from, for the message.

    Returns:
        None
    """
    if needed <= budget:
        return
    fix = f'The largest that fits is {largest}.' if largest else \
        f'Nothing of this kind fits; {lower}.'
    raise MemoryLimitError(
        f'{what} needs about {format_bytes(needed)} of memory at its peak, '
        f'more than the {format_bytes(budget)} available ({source}). {fix}')


def conv_channels(blocks: Sequence) -> List[List[Tuple[int, int]]]:
    """``(c_in, c_out)`` of the convolutions of each generator block.

    Args:
        blocks (Sequence[nn.Module]): ``model.scale_modules('generator')``.

    Returns:
        list[list[tuple[int, int]]]: One list per scale, in layer order.
    """
    import torch.nn as nn
    return [[(m.in_channels, m.out_channels) for m in block.modules()
             if isinstance(m, nn.Conv2d)] for block in blocks]


def block_geometry(blocks: Sequence) -> Tuple[int, int]:
    """``(kernel_size, num_layers)`` of the first generator block.

    Args:
        blocks (Sequence[nn.Module]): ``model.scale_modules('generator')``.

    Returns:
        tuple[int, int]: For :func:`receptive_field`.
    """
    import torch.nn as nn
    convs = [m for m in blocks[0].modules() if isinstance(m, nn.Conv2d)]
    return convs[0].kernel_size[0], len(convs)
