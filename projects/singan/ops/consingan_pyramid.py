"""The image pyramid of ConSinGAN (Hinz et al., WACV 2021).

ConSinGAN fixes the number of stages (6 by default) instead of the ratio
between scales, and places the stages more densely at low resolution: the
authors' ``adjust_scales2image`` and ``create_reals_pyramid`` (generation
mode). Pure functions, shared by the dataset, the config checks and the
tests; :mod:`.pyramid` keeps SinGAN's.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np
import torch

from .pyramid import resize_image

__all__ = [
    'CONSINGAN_STAGES', 'check_consingan_settings', 'ceil_size',
    'consingan_level_scale', 'consingan_pyramid_sizes',
    'create_consingan_pyramid'
]

#: Stages of the authors' default (``--train_stages 6``).
CONSINGAN_STAGES = 6


def ceil_size(size: Sequence[int], scale: float) -> Tuple[int, int]:
    """Size of an image resized by ``scale``, rounded up as the authors do.

    The authors' ``imresize`` takes ``ceil(side * scale)`` for each side.

    Args:
        size (Sequence[int]): ``(height, width)``.
        scale (float): Scale factor.

    Returns:
        tuple[int, int]: The new ``(height, width)``.
    """
    return tuple(int(math.ceil(s * scale)) for s in size)


def check_consingan_settings(height: int, width: int, num_stages: int,
                             min_size: int, max_size: int) -> None:
    """Raise ``ValueError`` with the fix when the settings cannot work.

    Args:
        height (int): Image height.
        width (int): Image width.
        num_stages (int): Number of stages (the authors' ``train_stages``).
        min_size (int): Short side of the coarsest stage.
        max_size (int): Cap of the long side of the finest stage.

    Returns:
        None
    """
    if not isinstance(num_stages, int) or isinstance(num_stages, bool) or \
            num_stages < 1:
        raise ValueError(
            f'num_stages={num_stages!r} must be an integer >= 1 (ConSinGAN '
            f'uses {CONSINGAN_STAGES}).')
    if min_size < 1 or min_size > max_size:
        raise ValueError(
            f'min_size={min_size} must lie in 1..max_size={max_size}: it is '
            'the short side of the coarsest stage (ConSinGAN uses 25).')
    if min(height, width) < min_size:
        raise ValueError(
            f'The image is {width}x{height} (WxH), smaller than '
            f'min_size={min_size} on its short side. Use a larger image or '
            f'set min_size <= {min(height, width)}.')


def consingan_level_scale(scale_factor: float, stop_scale: int,
                          level: int) -> float:
    """Scale of pyramid level ``level`` relative to the finest image.

    The authors' rule: ``scale_factor ** (e + 1)`` with
    ``e = (stop_scale - 1) / ln(stop_scale) * ln(stop_scale - level)``, so
    level 0 gets ``scale_factor ** stop_scale`` (the short side becomes
    ``min_size``) and level ``stop_scale - 1`` gets ``scale_factor``.

    Args:
        scale_factor (float): ``(min_size / short side) ** (1 / stop_scale)``.
        stop_scale (int): Index of the finest stage, >= 1.
        level (int): ``0 .. stop_scale - 1`` (the finest is the image).

    Returns:
        float: The scale factor of that level.

    Note:
        With ``stop_scale == 1`` the authors' formula divides 0 by
        ``ln(1) = 0`` and fails; its limit, ``(s - 1) / ln(s) -> 1``, is
        used instead (the exponent is then 1).
    """
    if stop_scale == 1:
        spread = 1.0
    else:
        spread = (stop_scale - 1) / math.log(stop_scale)
    return math.pow(scale_factor, spread * math.log(stop_scale - level) + 1)


def consingan_pyramid_sizes(
        height: int, width: int, num_stages: int, min_size: int,
        max_size: int) -> Tuple[List[Tuple[int, int]], float]:
    """``(H, W)`` of every stage, coarsest first, and the scale factor.

    Args:
        height (int): Image height before capping.
        width (int): Image width before capping.
        num_stages (int): Number of stages (the authors' ``train_stages``).
        min_size (int): Short side of the coarsest stage (ConSinGAN: 25).
        max_size (int): Cap of the long side of the finest (ConSinGAN: 250).

    Returns:
        tuple: ``(sizes, scale_factor)``: ``num_stages`` sizes, the last the
        image capped to ``max_size`` (rounded up, as the authors'
        ``imresize``), and ``(min_size / short side) ** (1 / stop_scale)``
        (1.0 for a single stage).
    """
    check_consingan_settings(height, width, num_stages, min_size, max_size)
    cap = min(max_size / max(height, width), 1)
    finest = ceil_size((height, width), cap)
    stop_scale = num_stages - 1
    if stop_scale == 0:
        return [finest], 1.0
    scale_factor = math.pow(min_size / min(finest), 1 / stop_scale)
    sizes = [
        ceil_size(finest, consingan_level_scale(scale_factor, stop_scale, i))
        for i in range(stop_scale)
    ]
    return sizes + [finest], scale_factor


def create_consingan_pyramid(
        real: np.ndarray, num_stages: int, min_size: int,
        max_size: int) -> Tuple[List[np.ndarray], float, int]:
    """Build ConSinGAN's pyramid of real images, coarsest first.

    Args:
        real (np.ndarray): Image of shape ``(H, W, C)`` (or ``(H, W)``), any
            channel order and value range (it is kept).
        num_stages (int): Number of stages.
        min_size (int): Short side of the coarsest stage.
        max_size (int): Cap of the long side of the finest stage.

    Returns:
        tuple: ``(reals, scale_factor, stop_scale)``: ``num_stages`` float32
        arrays ``(h_i, w_i, C)``, the scale factor and ``num_stages - 1``.

    Note:
        Levels are resized from the capped image with antialiased bicubic
        interpolation (:func:`.pyramid.resize_image`), as SinGAN's pyramid
        here; the authors use a MATLAB-style ``imresize`` through uint8. The
        sizes are the authors'.
    """
    if real.ndim == 2:
        real = real[:, :, None]
    sizes, scale_factor = consingan_pyramid_sizes(*real.shape[:2], num_stages,
                                                  min_size, max_size)
    image = torch.from_numpy(real.astype(np.float32)).permute(2, 0, 1)[None]
    finest = resize_image(image, sizes[-1])  # (1, C, H, W), capped
    reals = [
        np.ascontiguousarray(
            resize_image(finest, size)[0].permute(1, 2, 0).numpy())
        for size in sizes
    ]
    return reals, scale_factor, num_stages - 1
