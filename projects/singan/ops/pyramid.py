"""The image pyramid of SinGAN: how many scales, which sizes, which images.

Pure functions on numpy arrays and tensors; no mmengine here, so the dataset,
the applications and the tests share them.
"""
import math
from typing import List, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .. import paper

__all__ = [
    'check_pyramid_settings', 'count_scales', 'cap_to_max_size',
    'create_real_pyramid', 'pyramid_of_sizes', 'resize_image',
    'rescaled_size'
]


def rescaled_size(size: Sequence[int], scale: float) -> Tuple[int, int]:
    """Size of an image rescaled by ``scale``, rounded as mmcv.imrescale.

    Args:
        size (Sequence[int]): ``(height, width)``.
        scale (float): Scale factor.

    Returns:
        tuple[int, int]: The new ``(height, width)``, at least 1 each.
    """
    return tuple(max(1, int(s * scale + 0.5)) for s in size)


def check_pyramid_settings(min_size: int, max_size: int,
                           scale_factor_init: float) -> None:
    """Raise ``ValueError`` with the fix when pyramid settings are invalid.

    Args:
        min_size (int): Short side of the coarsest scale, in pixels.
        max_size (int): Cap of the long side of the finest scale.
        scale_factor_init (float): Wanted ratio between neighbouring scales.

    Returns:
        None
    """
    if not 0 < scale_factor_init < 1:
        raise ValueError(
            f'scale_factor_init={scale_factor_init} must lie in (0, 1): it is '
            'the size ratio of a scale to the next finer one (the paper uses '
            f'{paper.SCALE_FACTOR}).')
    if min_size < 1:
        raise ValueError(f'min_size={min_size} must be a positive number of '
                         f'pixels (the paper uses {paper.MIN_SIZE}).')
    if min_size > max_size:
        raise ValueError(
            f'min_size={min_size} is larger than max_size={max_size}: the '
            'coarsest scale cannot be bigger than the finest. Lower min_size '
            'or raise max_size.')


def count_scales(height: int, width: int, min_size: int, max_size: int,
                 scale_factor_init: float) -> Tuple[int, float]:
    """Number of the finest scale and the exact ratio between scales.

    The coarsest scale has ``min_size`` pixels on its short side; the finest
    is the image capped to ``max_size`` on its long side. The ratio is then
    adjusted so that the pyramid ends exactly at both (as the authors do).

    Args:
        height (int): Image height before capping.
        width (int): Image width before capping.
        min_size (int): Short side of the coarsest scale.
        max_size (int): Cap of the long side of the finest scale.
        scale_factor_init (float): Wanted ratio between scales, in (0, 1).

    Returns:
        tuple[int, float]: ``stop_scale`` (index of the finest scale, so the
        pyramid holds ``stop_scale + 1`` images) and the exact scale factor.
    """
    check_pyramid_settings(min_size, max_size, scale_factor_init)
    if min(height, width) < min_size:
        raise ValueError(
            f'The image is {width}x{height} (WxH), smaller than '
            f'min_size={min_size} on its short side. Use a larger image or '
            f'set min_size <= {min(height, width)}.')
    log_sf = math.log(scale_factor_init)
    num_scales = math.ceil(
        math.log(min_size / min(height, width)) / log_sf) + 1
    scale_to_stop = math.ceil(
        math.log(min(max_size, max(height, width)) / max(height, width)) /
        log_sf)
    stop_scale = max(num_scales - scale_to_stop, 0)
    capped = rescaled_size((height, width),
                           min(max_size / max(height, width), 1.0))
    scale_factor = (min_size / min(capped))**(1 / stop_scale) \
        if stop_scale > 0 else 1.0
    return stop_scale, scale_factor


def resize_image(image: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Antialiased bicubic resize of a batch of images.

    Args:
        image (torch.Tensor): Images of shape ``(N, C, H, W)``.
        size (Sequence[int]): Output ``(height, width)``.

    Returns:
        torch.Tensor: Images of shape ``(N, C, *size)``.
    """
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(
        image, size=tuple(size), mode='bicubic', align_corners=False,
        antialias=True)


def cap_to_max_size(image: np.ndarray, max_size: int) -> np.ndarray:
    """Scale an ``HWC`` image down so its long side is at most ``max_size``.

    Area interpolation on the array itself keeps memory bounded for huge
    inputs: no float copy of the full-size image is made.

    Args:
        image (np.ndarray): Image of shape ``(H, W, C)``.
        max_size (int): Cap of the long side.

    Returns:
        np.ndarray: The image, unchanged when already small enough.
    """
    height, width = image.shape[:2]
    scale = min(max_size / max(height, width), 1.0)
    if scale >= 1.0:
        return image
    new_h, new_w = rescaled_size((height, width), scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return resized.reshape(new_h, new_w, -1)


def create_real_pyramid(
        real: np.ndarray, min_size: int, max_size: int,
        scale_factor_init: float) -> Tuple[List[np.ndarray], float, int]:
    """Build the pyramid of real images, coarsest first.

    Args:
        real (np.ndarray): Image of shape ``(H, W, C)``, any channel order
            and value range (it is kept).
        min_size (int): Short side of the coarsest scale.
        max_size (int): Cap of the long side of the finest scale.
        scale_factor_init (float): Wanted ratio between scales, in (0, 1).

    Returns:
        tuple: ``(reals, scale_factor, stop_scale)`` where ``reals`` is a list
        of ``stop_scale + 1`` float32 arrays of shape ``(h_i, w_i, C)``,
        coarsest first, the last one being the capped image.

    Note:
        - As the authors do, an image whose long side exceeds ``max_size`` is
          first scaled down to it, and every level is made from that capped
          image. mmagic's version computes the level sizes from the capped
          image but resizes the uncapped one, so large images trained at full
          size there; we do not copy that.
        - Levels are made with antialiased bicubic interpolation (the
          authors use a MATLAB-style antialiased bicubic ``imresize``; mmagic
          uses mmcv's bilinear ``imrescale``). Sizes round as mmcv does.
    """
    if real.ndim == 2:
        real = real[:, :, None]
    height, width = real.shape[:2]
    stop_scale, scale_factor = count_scales(height, width, min_size, max_size,
                                            scale_factor_init)
    capped = cap_to_max_size(real, max_size).astype(np.float32)
    finest = torch.from_numpy(capped).permute(2, 0, 1)[None]  # (1, C, H, W)
    reals = []
    for scale in range(stop_scale + 1):
        size = rescaled_size(capped.shape[:2],
                             scale_factor**(stop_scale - scale))
        level = resize_image(finest, size)[0].permute(1, 2, 0)
        reals.append(np.ascontiguousarray(level.numpy()))
    return reals, scale_factor, stop_scale


def pyramid_of_sizes(real: np.ndarray, sizes: Sequence[Sequence[int]]
                     ) -> Tuple[List[np.ndarray], float, int]:
    """The pyramid of an image at given sizes (an imported model's).

    Args:
        real (np.ndarray): Image of shape ``(H, W, C)``; its finest level
            is itself when it has the finest size.
        sizes (Sequence[Sequence[int]]): ``(H, W)`` per scale, coarsest
            first, each side positive and not smaller than the one below.

    Returns:
        tuple: ``(reals, scale_factor, stop_scale)`` as
        :func:`create_real_pyramid`; ``scale_factor`` is the mean ratio of
        the short sides between neighbouring scales.
    """
    sizes = [tuple(int(v) for v in s) for s in sizes]
    grows = all(a <= b for lo, hi in zip(sizes, sizes[1:])
                for a, b in zip(lo, hi))
    if not sizes or min(min(s) for s in sizes) < 1 or not grows or \
            any(len(s) != 2 for s in sizes):
        raise ValueError(
            f'sizes={sizes}: give (H, W) per scale, coarsest first, each '
            'side positive and growing towards the finest (as an imported '
            "model's pyramid, e.g. [(25, 37), (33, 48), ..., (68, 100)]).")
    if real.ndim == 2:
        real = real[:, :, None]
    image = torch.from_numpy(real.astype(np.float32)).permute(2, 0, 1)[None]
    reals = [np.ascontiguousarray(resize_image(image, size)[0].permute(
        1, 2, 0).numpy()) for size in sizes]
    stop = len(sizes) - 1
    factor = (min(sizes[0]) / min(sizes[-1]))**(1 / stop) if stop else 1.0
    return reals, factor, stop
