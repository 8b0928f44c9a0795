"""Random samples of any size, injection at a start scale, reconstruction.

The paper's Sec. 4 (random samples of arbitrary size and aspect ratio, and
Fig. 5's "starting the generation at scale n") and the authors'
``random_samples.py`` (``scale_h``/``scale_v``, ``gen_start_scale``). All
samples of one call are drawn in one batched pass of the cascade.
"""
from typing import List, Optional, Sequence, Tuple

import torch

from ..evaluation.diversity import reconstruction_rmse
from ..models.singan import SinGAN

__all__ = [
    'parse_factors', 'scaled_sizes', 'check_start_scale', 'random_samples',
    'inject_at_scale', 'reconstruct'
]


def parse_factors(text: str) -> Tuple[float, float]:
    """``'HxW'`` factors of the training image's height and width.

    Args:
        text (str): E.g. ``'1x2'`` (twice as wide), ``'1.5x1'``; one number
            (``'2'``) scales both sides.

    Returns:
        tuple[float, float]: ``(height_factor, width_factor)``.
    """
    parts = text.lower().split('x')
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise ValueError(f'Factors {text!r}: write HEIGHTxWIDTH factors of '
                         'the training image, e.g. 1x2 for a panorama.')
    check_factors(values)
    return values[0], values[1]


def check_factors(factors: Sequence[float]) -> None:
    """Raise ``ValueError`` unless both factors are finite and positive."""
    for factor in factors:
        if not 0 < float(factor) < float('inf'):
            raise ValueError(f'Size factor {factor} must be a positive '
                             'number (1 keeps the training size).')


def scaled_sizes(sizes: Sequence[Sequence[int]],
                 factors: Sequence[float]) -> List[Tuple[int, int]]:
    """Every training size scaled by ``(height, width)`` factors.

    Args:
        sizes (Sequence[Sequence[int]]): ``(H, W)`` per scale.
        factors (Sequence[float]): ``(height_factor, width_factor)``.

    Returns:
        list[tuple[int, int]]: Rounded sizes, at least 1 pixel each.

    Note:
        The generators see their input padded by 5 pixels on each side
        (``ops.noise.PAD``) and shrink it by exactly that, so any size of
        at least one pixel runs; the coarsest scale sets how much global
        structure there is room for.
    """
    check_factors(factors)
    return [(max(1, round(h * factors[0])), max(1, round(w * factors[1])))
            for h, w in sizes]


def check_start_scale(model: SinGAN, start_scale: int, lowest: int = 0,
                      what: str = 'start scale') -> None:
    """Raise ``ValueError`` unless ``lowest <= start_scale <= num_scales``.

    Args:
        model (SinGAN): The trained model.
        start_scale (int): Scale asked for.
        lowest (int): Smallest valid value (1 where the reference is first
            scaled down to the scale below).
        what (str): Name of the option, for the message.

    Returns:
        None
    """
    from .request_checks import check_count  # (it imports this module)
    check_count(what, start_scale, 0)  # numpy integers too; no floats
    if not lowest <= start_scale <= model.num_scales:
        raise ValueError(
            f'{what}={start_scale} is out of range: this model has scales '
            f'0..{model.num_scales}; use {lowest}..{model.num_scales}.')


def _noises(model: SinGAN, num: int, sizes, start_scale: int,
            generator: Optional[torch.Generator]) -> list:
    """Fixed noise below ``start_scale``, fresh noise from it."""
    device = model.fixed_noises[0].device
    return [
        model.fixed_noises[s] if s < start_scale else torch.randn(
            num, *model.noise_shape(s, sizes[s]), device=device,
            generator=generator) for s in range(len(sizes))
    ]


@torch.no_grad()
def random_samples(model: SinGAN, num: int = 1,
                   factors: Sequence[float] = (1.0, 1.0),
                   generator: Optional[torch.Generator] = None
                   ) -> torch.Tensor:
    """``num`` random samples, their size a multiple of the training image.

    Args:
        model (SinGAN): The trained model (eval mode).
        num (int): Number of samples, generated in one batch.
        factors (Sequence[float]): ``(height, width)`` factors, e.g.
            ``(1, 2)`` for a panorama.
        generator (torch.Generator, optional): Random source (seeded for
            repeatable samples), on the model's device.

    Returns:
        torch.Tensor: ``(num, 3, round(H * fh), round(W * fw))`` in [-1, 1].
    """
    if num < 1:
        raise ValueError(f'num={num}: ask for at least one sample.')
    sizes = scaled_sizes(model.sizes, factors)
    noises = _noises(model, num, sizes, 0, generator)
    return model.generate(noises, sizes, num=num)


@torch.no_grad()
def inject_at_scale(model: SinGAN, start_scale: int, num: int = 1,
                    generator: Optional[torch.Generator] = None
                    ) -> torch.Tensor:
    """Samples that keep the reconstruction below ``start_scale``.

    Scales ``< start_scale`` run on the fixed noise (the reconstruction
    path), scales ``>= start_scale`` on fresh noise: the higher the start
    scale, the more a sample keeps the training image's layout (the paper's
    Fig. 5, the authors' ``gen_start_scale``).

    Args:
        model (SinGAN): The trained model (eval mode).
        start_scale (int): First scale with fresh noise, ``0..num_scales``;
            0 gives plain random samples.
        num (int): Number of samples, in one batch.
        generator (torch.Generator, optional): Random source.

    Returns:
        torch.Tensor: ``(num, 3, H, W)`` in [-1, 1].
    """
    check_start_scale(model, start_scale)
    noises = _noises(model, num, model.sizes, start_scale, generator)
    return model.generate(noises, num=num)


@torch.no_grad()
def reconstruct(model: SinGAN, real: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, Optional[float]]:
    """The reconstruction of the training image, and its RMSE.

    Args:
        model (SinGAN): The trained model (eval mode).
        real (torch.Tensor, optional): The training image at the finest
            size, ``(1, 3, H, W)`` in [-1, 1], to measure the RMSE against.

    Returns:
        tuple: ``(reconstruction (1, 3, H, W), rmse or None)``; the RMSE is
        in [-1, 1] units.
    """
    recon = model.reconstruct(model.num_scales)
    rmse = None if real is None else reconstruction_rmse(
        recon, real.to(recon))
    return recon, rmse
