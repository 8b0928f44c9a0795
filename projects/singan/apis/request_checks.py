"""Checks of what a tool is asked to make, before the first step.

Each check takes the loaded model (its public ``sizes`` and
``scale_modules('generator')``), the requested sizes and counts, and a
memory budget (:func:`limits.memory_budget`); it raises ``ValueError`` with the value, the
estimate and a value that works (the largest that fits, or the smallest the
network accepts). The estimates are those of :mod:`.limits`.

The Python API's arguments are checked here too, before anything is
allocated: counts (:func:`check_count`: Python and numpy integers, not
bools or floats), numbers (:func:`check_number`), and the size of a
super-resolution input read from its shape or header
(:func:`check_sr_input`).
"""
import math
import numbers
from typing import Optional, Sequence, Tuple

import numpy as np

from ..models.singan import SinGAN
from . import limits
from .sampling import scaled_sizes

__all__ = [
    'check_sample_request', 'check_batch_request', 'check_sr_request',
    'check_animation_request', 'check_figure_request', 'check_positive',
    'check_count', 'check_number', 'check_sr_input'
]


def _shown(value: object) -> str:
    """``repr`` of a value, numpy scalars as the number (``2``, not
    ``np.int64(2)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_count(name: str, value: object, lowest: int = 1,
                highest: Optional[int] = None) -> int:
    """Raise ``ValueError`` unless ``value`` is an integer in range.

    Python and numpy integers (``np.int64(2)``) are integers; ``True``, a
    float (``2.0``) and a string are not.

    Args:
        name (str): The argument, e.g. ``'num'``.
        value (object): Its value.
        lowest (int): Smallest valid value.
        highest (int, optional): Largest valid value.

    Returns:
        int: ``value`` as a Python ``int``.
    """
    bound = (f'>= {lowest}' if highest is None else
             f'in {lowest}..{highest}')
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = type(value).__name__
        hint = (f' (use {int(value)})' if isinstance(value, numbers.Real)
                and not isinstance(value, bool) and math.isfinite(value)
                and float(value).is_integer() else '')
        raise ValueError(f'{name}={_shown(value)} is a {kind}, not an '
                         f'integer; give an integer {bound}{hint}.')
    if value < lowest or (highest is not None and value > highest):
        raise ValueError(f'{name}={_shown(value)} must be an integer '
                         f'{bound}.')
    return int(value)


def check_number(name: str, value: object, lowest: float = -math.inf,
                 highest: float = math.inf, unit: str = '') -> float:
    """Raise ``ValueError`` unless ``value`` is a finite number in range.

    Args:
        name (str): The argument, e.g. ``'radius'``.
        value (object): Its value (Python or numpy number, not a bool).
        lowest (float): Smallest valid value.
        highest (float): Largest valid value.
        unit (str): What the number measures, for the message.

    Returns:
        float: ``value`` as a Python ``float``.
    """
    parts = ([f'>= {lowest:g}'] if lowest > -math.inf else []) + (
        [f'<= {highest:g}'] if highest < math.inf else [])
    bound = ' and '.join(parts) or 'finite'
    unit = f' ({unit})' if unit else ''
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f'{name}={_shown(value)} is a '
                         f'{type(value).__name__}, not a number; give a '
                         f'number {bound}{unit}.')
    if not (math.isfinite(value) and lowest <= value <= highest):
        raise ValueError(f'{name}={_shown(value)} must be a finite number '
                         f'{bound}{unit}.')
    return float(value)


def check_positive(name: str, value: float, upper: float = math.inf,
                   why: str = '') -> None:
    """Raise ``ValueError`` unless ``0 < value <= upper`` and finite.

    Args:
        name (str): The option, e.g. ``'--fps'``.
        value (float): Its value.
        upper (float): Largest useful value.
        why (str): Why ``upper`` is the largest, for the message.

    Returns:
        None
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f'{name}={value!r} is a {type(value).__name__}, '
                         'not a number; give a positive number.')
    if not (0 < value <= upper and math.isfinite(value)):
        bound = f' and at most {upper:g}{why}' if upper < math.inf else ''
        raise ValueError(f'{name}={value:g} must be a positive number'
                         f'{bound}.')


def _field(model: SinGAN) -> int:
    """Receptive field of the model's generator blocks."""
    return limits.receptive_field(*limits.block_geometry(
        model.scale_modules('generator')))


def _sample_bytes(model: SinGAN, num: int, factors: Sequence[float]) -> int:
    """Peak memory of ``num`` samples at ``factors``."""
    sizes = scaled_sizes(model.sizes, factors)
    return limits.cascade_peak_bytes(
        sizes, limits.conv_channels(model.scale_modules('generator')), num)


def _check_coarsest(model: SinGAN, factors: Sequence[float], flag: str,
                    text: str) -> Tuple[float, float]:
    """The smallest factors; raise if ``factors`` go below them."""
    field = _field(model)
    (h0, w0), (fh, fw) = model.sizes[0], factors
    low = (limits.smallest_factor(h0, field),
           limits.smallest_factor(w0, field))
    height, width = scaled_sizes(model.sizes[:1], factors)[0]
    if min(height, width) < field:
        fix = f'{max(fh, low[0]):g}x{max(fw, low[1]):g}'
        raise ValueError(
            f'{flag} {text} makes the coarsest scale {height}x{width} '
            f'(HxW) px, smaller than the {field}x{field} receptive field of '
            f'the generator (the model\'s coarsest scale is {h0}x{w0}), so '
            f'the samples would have no structure. The smallest factors '
            f'are {low[0]:g}x{low[1]:g}: use e.g. {flag} {fix}.')
    return low


def _largest_factors(model: SinGAN, num: int, factors: Sequence[float],
                     low: Sequence[float], budget: int) -> Optional[str]:
    """The largest factors that fit: both scaled, else the larger one."""
    fh, fw = factors
    smallest = max(low[0] / fh, low[1] / fw)
    scale = limits.largest_fitting(
        lambda t: _sample_bytes(model, num, (fh * t, fw * t)), budget,
        smallest, 1.0, integer=False, decimals=6)
    if scale is not None:
        # round both down to 2 significant decimals; check it still fits
        pair = [math.floor(f * scale * 100) / 100 for f in (fh, fw)]
        if min(p - lo for p, lo in zip(pair, low)) >= 0 and \
                _sample_bytes(model, num, pair) <= budget:
            return f'{pair[0]:g}x{pair[1]:g}'
    big = 0 if fh >= fw else 1  # shrink only the larger factor
    other = factors[1 - big]

    def with_big(value):
        pair = (value, other) if big == 0 else (other, value)
        return _sample_bytes(model, num, pair)
    value = limits.largest_fitting(with_big, budget, low[big],
                                   factors[big], integer=False)
    if value is None:
        return None
    pair = (value, other) if big == 0 else (other, value)
    return f'{pair[0]:g}x{pair[1]:g}'


def check_sample_request(model: SinGAN, num: int, factors: Sequence[float],
                         budget: int, flag: str = '--factors',
                         text: Optional[str] = None) -> None:
    """Check the size factors and the number of random samples.

    Args:
        model (SinGAN): The trained model.
        num (int): Samples generated in one batch.
        factors (Sequence[float]): ``(height, width)`` factors.
        budget (int): Bytes available.
        flag (str): The option naming the factors.
        text (str, optional): The factors as typed, for the messages.

    Returns:
        None
    """
    text = text or f'{factors[0]:g}x{factors[1]:g}'
    low = _check_coarsest(model, factors, flag, text)
    needed = _sample_bytes(model, num, factors)
    if needed <= budget:
        return
    pair = _largest_factors(model, num, factors, low, budget)
    count = limits.largest_fitting(
        lambda n: _sample_bytes(model, n, factors), budget, 1, num)
    options = ([f'{flag} {pair}'] if pair else []) + (
        [f'--num {count} (at these factors)'] if count else [])
    limits.check_fits(
        f'{num} samples at {flag} {text}', needed,
        budget, ' or '.join(options), 'lower --num or the factors')


def check_batch_request(model: SinGAN, num: int, budget: int,
                        flag: str = '--num') -> None:
    """Check a count of images made together at the training sizes.

    Args:
        model (SinGAN): The trained model.
        num (int): Images in the batch (samples).
        budget (int): Bytes available.
        flag (str): The option naming the count.

    Returns:
        None
    """
    needed = _sample_bytes(model, num, (1.0, 1.0))
    count = limits.largest_fitting(
        lambda n: _sample_bytes(model, n, (1.0, 1.0)), budget, 1, num)
    limits.check_fits(f'{flag} {num}', needed, budget,
                      f'{flag} {count}' if count else '',
                      'the model is too large for this device')


def check_animation_request(model: SinGAN, frames: int, budget: int) -> None:
    """Check the number of frames of an animation (made in one batch).

    Args:
        model (SinGAN): The trained model.
        frames (int): Frames.
        budget (int): Bytes available.

    Returns:
        None
    """
    convs = limits.conv_channels(model.scale_modules('generator'))

    def needed(n):
        # the walked noises (and their concatenation) live all along
        return limits.cascade_peak_bytes(model.sizes, convs, n,
                                         kept_per_scale=6)
    count = limits.largest_fitting(needed, budget, 2, frames)
    limits.check_fits(f'--frames {frames}', needed(frames), budget,
                      f'--frames {count}' if count else '',
                      'the model is too large for this device')


def check_sr_request(model: SinGAN, size: Sequence[int], factor: float,
                     steps_of: callable, budget: int) -> None:
    """Check a super-resolution factor against memory.

    Args:
        model (SinGAN): The trained model.
        size (Sequence[int]): ``(h, w)`` of the input.
        factor (float): Upscaling factor (> 1, checked by ``sr_steps``).
        steps_of (callable): ``factor -> steps``, e.g. ``sr_steps``'s first
            value.
        budget (int): Bytes available.

    Returns:
        None
    """
    convs = limits.conv_channels(model.scale_modules('generator'))[-1]

    def needed(f):
        return limits.sr_peak_bytes(size, f, steps_of(f), convs)
    # just above 1 the steps round to one; 1.01 is the smallest we look at
    largest = limits.largest_fitting(needed, budget, 1.01, factor,
                                     integer=False)
    limits.check_fits(
        f'--factor {factor:g} on a {size[1]}x{size[0]} (WxH) input',
        needed(factor), budget, f'--factor {largest:g}' if largest else '',
        'use a smaller --input')


def check_sr_input(model: SinGAN, inputs: object, factor: float,
                   budget: int) -> None:
    """Check a super-resolution input and factor before it is converted.

    The input's size comes from its shape (array, tensor) or its header
    (path), so a 20000x20000 input is refused without a float copy of it.

    Args:
        model (SinGAN): The trained model.
        inputs (ImageInput | None): The image; ``None``: the training
            image (the model's finest size).
        factor (float): Upscaling factor.
        budget (int): Bytes available.

    Returns:
        None
    """
    from .super_resolution import sr_steps
    from .user_images import input_size
    check_number('factor', factor, 1, unit='the upscaling, above 1')
    sr_steps(model, factor)  # above 1, and a model that can upscale
    size = model.sizes[-1] if inputs is None else input_size(inputs)
    check_sr_request(model, size, factor,
                     lambda f: sr_steps(model, f)[0], budget)


def check_figure_request(height: int, aspect: float, count: int,
                         budget: int) -> None:
    """Check ``--display-height`` of a comparison figure against memory.

    Args:
        height (int): Height of each picture (``--display-height``).
        aspect (float): Width / height of the widest picture.
        count (int): Pictures in the figure.
        budget (int): Bytes available.

    Returns:
        None
    """
    def needed(h):
        return limits.figure_bytes(h, math.ceil(h * aspect) * count, count)
    largest = limits.largest_fitting(needed, budget, 1, height)
    limits.check_fits(f'--display-height {height}', needed(height), budget,
                      f'--display-height {largest}' if largest else '',
                      'lower --display-height')


def check_training_counts(model_cfg: dict, hooks: Sequence[dict],
                          budget: int, max_size: int) -> None:
    """Check the per-iteration counts of training before it starts.

    ``discriminator_steps`` inputs from the coarser scales are drawn in one
    batch, and every snapshot draws ``num_samples`` samples in one
    batch; both batches run at most at the finest size (long side
    ``max_size``).

    Args:
        model_cfg (dict): ``cfg.model``.
        hooks (Sequence[dict]): ``cfg.custom_hooks``.
        budget (int): Bytes available.
        max_size (int): The long side of the finest scale, at most.

    Returns:
        None
    """
    counts = [(f'model.{key}', model_cfg.get(key, 3))
              for key in ('discriminator_steps', 'generator_steps')]
    counts += [(f'custom_hooks.{i}.{key}', hook.get(key))
               for i, hook in enumerate(hooks)
               for key in ('num_samples', 'num_snapshot_samples')
               if hook.get(key) is not None]
    width = model_cfg.get('generator', {}).get('base_channels', 32)
    for name, value in counts:
        if isinstance(value, bool) or not isinstance(value, int) or \
                value < 1:
            raise ValueError(f'{name}={value!r} must be a positive integer '
                             '(the paper uses 3; snapshots use 4).')
        # the finest scale as a square: an upper bound of its pixels

        def needed(n):
            return limits.cascade_peak_bytes(
                [(max_size, max_size)], [[(width, width)]], n)
        largest = limits.largest_fitting(needed, budget, 1, value)
        limits.check_fits(f'{name}={value}', needed(value), budget,
                          f'{name}={largest}' if largest else '',
                          'lower max_size', '80% of the free memory')
