"""Super-resolution by repeated application of the finest generator.

The paper's Sec. 4: a model trained on the low-resolution image with a
ratio ``r`` between scales upsamples it by ``1 / r`` and runs the finest
generator, again and again, until the wanted factor is reached. As the
authors' ``SR.py`` (``calc_init_scale``, ``SinGAN_generate`` in ``'SR'``
mode): the number of steps is the factor's log in base ``1 / r``, rounded,
and the per-step ratio is then adjusted so the steps multiply to exactly the
factor; every step adds fresh noise at the finest scale's amplitude.

Note:
    The ratio ``r`` is read from the model's two finest sizes, so any model
    works; one trained with ``scale_factor_init = 2 ** (-1 / 3)`` and a
    larger reconstruction weight (``configs/singan/singan_app_sr.py``, as the
    authors) gives the intended result.
"""
import math
from typing import Callable, List, Optional, Tuple

import torch

from ..models.singan import SinGAN
from ..ops.cascade import upsample
from ..ops.noise import draw_noise

__all__ = ['sr_steps', 'super_resolve', 'bicubic_upscale']


def sr_steps(model: SinGAN, factor: float) -> Tuple[int, float]:
    """Number of generator applications and the ratio of each.

    Args:
        model (SinGAN): The trained model (at least two scales).
        factor (float): Wanted upscaling factor, > 1.

    Returns:
        tuple[int, float]: ``(steps, per_step_ratio)`` with
        ``per_step_ratio ** steps == factor``.
    """
    if not 1 < float(factor) < float('inf'):
        raise ValueError(f'SR factor {factor} must be a number above 1.')
    if model.num_scales < 1:
        raise ValueError('Super-resolution needs a model with at least two '
                         'scales (the ratio between them is the step).')
    (h0, w0), (h1, w1) = model.sizes[-2], model.sizes[-1]
    step = math.sqrt((h1 / h0) * (w1 / w0))  # ~ 1 / scale_factor
    steps = max(1, round(math.log(factor) / math.log(step)))
    return steps, factor**(1 / steps)


def _step_sizes(size, factor: float, steps: int) -> List[Tuple[int, int]]:
    """Sizes after each step; the last is exactly ``round(size * factor)``."""
    ratio = factor**(1 / steps)
    return [(round(size[0] * ratio**k), round(size[1] * ratio**k))
            for k in range(1, steps + 1)]


@torch.no_grad()
def super_resolve(model: SinGAN, image: torch.Tensor, factor: float = 4.0,
                  generator: Optional[torch.Generator] = None,
                  progress: Optional[Callable[[int, int, tuple], None]] = None
                  ) -> torch.Tensor:
    """Upscale ``image`` by ``factor`` with the finest generator.

    Args:
        model (SinGAN): Model trained on the low-resolution image (or one of
            its statistics).
        image (torch.Tensor): ``(N, 3, h, w)`` in [-1, 1], any size.
        factor (float): Upscaling factor, > 1 (e.g. 4).
        generator (torch.Generator, optional): Random source of the noise.
        progress (Callable, optional): Called as ``progress(step, steps,
            size)`` after each step.

    Returns:
        torch.Tensor: ``(N, 3, round(h * factor), round(w * factor))``.
    """
    steps, _ = sr_steps(model, factor)
    finest = model.current_scale
    align = model.generator.align_corners
    out = image.to(model.fixed_noises[0].device)
    sizes = _step_sizes(image.shape[-2:], factor, steps)
    for step, size in enumerate(sizes, start=1):
        prev = upsample(out, size, align)
        noise = draw_noise(out.shape[0], model.noise_channels(finest), size,
                           prev.device, generator)
        # the finest scale alone, at this step's size, on the image so far
        out = model.generate([None] * finest + [noise],
                             sizes=model.sizes[:finest] + [tuple(size)],
                             start_image=prev, start_scale=finest)
        if progress is not None:
            progress(step, steps, size)
    return out


def bicubic_upscale(image: torch.Tensor, factor: float) -> torch.Tensor:
    """The baseline: plain bicubic upscaling to the same size.

    Args:
        image (torch.Tensor): ``(N, 3, h, w)``.
        factor (float): Upscaling factor.

    Returns:
        torch.Tensor: ``(N, 3, round(h * factor), round(w * factor))``,
        clamped to [-1, 1].
    """
    size = (round(image.shape[-2] * factor), round(image.shape[-1] * factor))
    return upsample(image, size).clamp(-1, 1)
