"""Harmonization, editing and paint-to-image: inject an image at a scale.

The three applications of the paper's Sec. 4 that start the cascade from a
given image instead of from noise. Steps follow the authors' scripts
(tamarott/SinGAN ``harmonization.py``, ``editing.py``, ``paint2image.py`` and
``functions.dilate_mask``/``quant``/``quant2centers``):

1. the reference is scaled down to scale ``n - 1`` and upsampled to scale
   ``n`` (so it looks like an output of the scale below);
2. scales ``n..N`` run on it with fresh noise;
3. harmonization and editing keep the result inside the dilated, blurred
   mask and the original image outside it; with ``feather`` instead, inside
   the mask and a band of ``feather`` pixels around it that fades to 0
   (:func:`feather_mask`), so nothing farther from the mask changes.

Note:
    - The authors dilate by a disk of radius 7 (harmonization) or 20
      (editing) and blur with sigma 5, in pixels of their ~250 px images.
      We scale these to the model's finest size (``radius * long_side / 250``)
      so a 128 px model gets the same relative margin.
    - Paint-to-image with quantization: the authors also fine-tune the
      scales from ``n`` on the quantized image (``train_paint``); we do not
      train here, we only map the painting to the k-means palette of the
      training image at scale ``n``.
"""
import math
from typing import Optional, Tuple

import cv2
import numpy as np
import torch

from ..models.singan import SinGAN
from ..ops.cascade import upsample
from ..ops.noise import draw_noise
from ..ops.pyramid import resize_image
from .sampling import check_start_scale

__all__ = [
    'REFERENCE_SIZE', 'inject_image', 'dilate_mask', 'feather_mask',
    'check_feather', 'blend_mask', 'blend', 'harmonize', 'edit', 'palette_of',
    'quantize_to_palette', 'paint_to_image'
]

#: Long side of the authors' images, to which their mask radii refer.
REFERENCE_SIZE = 250


@torch.no_grad()
def inject_image(model: SinGAN, image: torch.Tensor, start_scale: int,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Run scales ``start_scale..N`` on an image instead of a sample.

    Args:
        model (SinGAN): The trained model (eval mode).
        image (torch.Tensor): ``(N, 3, H, W)`` at the finest size, [-1, 1].
        start_scale (int): Injection scale ``n``, ``1..num_scales``.
        generator (torch.Generator, optional): Random source of the noise.

    Returns:
        torch.Tensor: ``(N, 3, H, W)`` in [-1, 1].
    """
    check_start_scale(model, start_scale, lowest=1)
    sizes, align = model.sizes, model.generator.align_corners
    device = model.fixed_noises[0].device
    below = resize_image(image.to(device), sizes[start_scale - 1])
    start = upsample(below, sizes[start_scale], align)
    noises = [None] * start_scale + [
        draw_noise(image.shape[0], model.noise_channels(s), sizes[s], device,
                   generator) for s in range(start_scale, len(sizes))
    ]
    return model.generate(noises, start_image=start, start_scale=start_scale)


def dilate_mask(mask: torch.Tensor, radius: float,
                sigma: float) -> torch.Tensor:
    """Dilate a binary mask by a disk, blur it, and stretch it to [0, 1].

    Args:
        mask (torch.Tensor): ``(1, 1, H, W)`` of 0 and 1.
        radius (float): Disk radius in pixels (0: no dilation).
        sigma (float): Gaussian blur sigma in pixels (0: no blur).

    Returns:
        torch.Tensor: ``(1, 1, H, W)`` soft mask; exactly 0 farther than
        ``radius + 4 sigma`` from the mask (OpenCV's kernel ends there).
    """
    binary = (mask[0, 0].cpu().numpy() > 0.5).astype(np.uint8)
    r = int(round(radius))
    if r > 0:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                         (2 * r + 1, 2 * r + 1))
        binary = cv2.dilate(binary, disk)
    soft = binary.astype(np.float32)
    if sigma > 0:
        soft = cv2.GaussianBlur(soft, (0, 0), sigma)
    low, high = float(soft.min()), float(soft.max())
    if high > low:  # as the authors: (m - min) / (max - min)
        soft = (soft - low) / (high - low)
    return torch.from_numpy(soft)[None, None].to(mask.device)


def feather_mask(mask: torch.Tensor, feather: float) -> torch.Tensor:
    """1 on the mask, fading to exactly 0 at ``feather`` pixels from it.

    ``soft = smoothstep(1 - d / feather)`` with ``d`` the Euclidean distance
    of a pixel to the nearest mask pixel, so the soft mask is 0 wherever
    ``d >= feather``: a blend with it changes no pixel farther than
    ``feather`` from the mask (unlike :func:`dilate_mask`, whose Gaussian
    reaches ``radius + 4 sigma``).

    Args:
        mask (torch.Tensor): ``(1, 1, H, W)`` of 0 and 1 (above 0.5: in).
        feather (float): Width of the fade, in pixels; 0: the mask itself.

    Returns:
        torch.Tensor: ``(1, 1, H, W)`` float32 in [0, 1] on ``mask``'s
        device.
    """
    check_feather(feather)
    binary = (mask[0, 0].cpu().numpy() > 0.5).astype(np.uint8)
    if feather == 0 or not binary.any():
        return torch.from_numpy(binary.astype(np.float32))[None, None].to(
            mask.device)
    # distance of every pixel outside the mask to the nearest one inside
    distance = cv2.distanceTransform(1 - binary, cv2.DIST_L2,
                                     cv2.DIST_MASK_PRECISE)
    ramp = np.clip(1 - distance / feather, 0, 1)
    soft = (ramp * ramp * (3 - 2 * ramp)).astype(np.float32)
    return torch.from_numpy(soft)[None, None].to(mask.device)


def check_feather(feather: float) -> None:
    """Raise ``ValueError`` unless ``feather`` is a finite number >= 0.

    Args:
        feather (float): A feather width in pixels.

    Returns:
        None
    """
    try:
        value = float(feather)
    except (TypeError, ValueError):
        value = float('nan')
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f'feather={feather!r} must be a number of pixels '
                         '>= 0 (the width of the fade around the mask), '
                         'e.g. 16.')


def blend_mask(mask: torch.Tensor, radius: float, sigma: float,
               feather: Optional[float] = None) -> torch.Tensor:
    """The soft mask of a blend: the authors' or a feathered one.

    Args:
        mask (torch.Tensor): ``(1, 1, H, W)`` binary mask.
        radius (float): Dilation radius in pixels (used without
            ``feather``).
        sigma (float): Blur sigma in pixels (used without ``feather``).
        feather (float, optional): Fade width in pixels
            (:func:`feather_mask`); ``None``: :func:`dilate_mask` with
            ``radius`` and ``sigma``.

    Returns:
        torch.Tensor: ``(1, 1, H, W)`` in [0, 1].
    """
    if feather is None:
        return dilate_mask(mask, radius, sigma)
    return feather_mask(mask, feather)


def blend(result: torch.Tensor, original: torch.Tensor,
          mask: torch.Tensor) -> torch.Tensor:
    """``mask * result + (1 - mask) * original``.

    Args:
        result (torch.Tensor): ``(N, 3, H, W)``.
        original (torch.Tensor): ``(1 or N, 3, H, W)``.
        mask (torch.Tensor): ``(1, 1, H, W)`` in [0, 1].

    Returns:
        torch.Tensor: ``(N, 3, H, W)``; equal to ``original`` where the mask
        is 0.
    """
    mask = mask.to(result)
    # 0 * result + 1 * original is exactly original: nothing leaks outside.
    return mask * result + (1 - mask) * original.to(result)


def _scaled(pixels: float, size) -> float:
    """A length in the authors' pixels, at the model's finest size."""
    return pixels * max(size) / REFERENCE_SIZE


def _masked_injection(model, real, reference, mask, start_scale, radius,
                      sigma, generator, feather) -> Tuple[torch.Tensor, ...]:
    """Inject, then keep the result inside the (soft) mask only."""
    size = model.sizes[-1]
    _check_shapes(size, reference=reference, real=real, mask=mask)
    soft = blend_mask(mask, _scaled(radius, size), _scaled(sigma, size),
                      feather)
    raw = inject_image(model, reference, start_scale, generator)
    return blend(raw, real, soft), raw, soft


def harmonize(model: SinGAN, real: torch.Tensor, naive: torch.Tensor,
              mask: torch.Tensor, start_scale: int, radius: float = 7,
              sigma: float = 5,
              generator: Optional[torch.Generator] = None,
              feather: Optional[float] = None
              ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Blend a pasted object into the style of the training image.

    Args:
        model (SinGAN): Model trained on the background image.
        real (torch.Tensor): The training image, ``(1, 3, H, W)``.
        naive (torch.Tensor): The naive paste, ``(1, 3, H, W)``.
        mask (torch.Tensor): Binary mask of the pasted object,
            ``(1, 1, H, W)``.
        start_scale (int): Injection scale, ``1..num_scales``.
        radius (float): Dilation radius in the authors' pixels (of a 250 px
            image). Defaults to 7, as theirs.
        sigma (float): Blur sigma in the same units. Defaults to 5.
        generator (torch.Generator, optional): Random source of the noise.
        feather (float, optional): Instead of ``radius`` and ``sigma``: a
            fade of this many pixels of the model's image around the mask
            (:func:`feather_mask`); nothing farther changes.

    Returns:
        tuple: ``(result, unmasked_result, soft_mask)``; ``result`` equals
        ``real`` wherever ``soft_mask`` is 0.
    """
    return _masked_injection(model, real, naive, mask, start_scale, radius,
                             sigma, generator, feather)


def edit(model: SinGAN, real: torch.Tensor, edited: torch.Tensor,
         mask: torch.Tensor, start_scale: int, radius: float = 20,
         sigma: float = 5, generator: Optional[torch.Generator] = None,
         feather: Optional[float] = None
         ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Make an edited (cut, moved, copied) region look natural.

    Same steps as :func:`harmonize` with the authors' larger dilation
    (radius 20) for editing.

    Args:
        model (SinGAN): Model trained on the unedited image.
        real (torch.Tensor): The training image, ``(1, 3, H, W)``.
        edited (torch.Tensor): The edited copy, ``(1, 3, H, W)``.
        mask (torch.Tensor): Binary mask of the edited region.
        start_scale (int): Injection scale, ``1..num_scales``.
        radius (float): Dilation radius in the authors' pixels.
        sigma (float): Blur sigma in the same units.
        generator (torch.Generator, optional): Random source of the noise.
        feather (float, optional): See :func:`harmonize`.

    Returns:
        tuple: ``(result, unmasked_result, soft_mask)``.
    """
    return _masked_injection(model, real, edited, mask, start_scale, radius,
                             sigma, generator, feather)


def palette_of(image: torch.Tensor, num_colors: int,
               seed: int = 0) -> torch.Tensor:
    """The ``num_colors`` k-means centres of an image's pixels.

    Args:
        image (torch.Tensor): ``(1, 3, H, W)`` in [-1, 1].
        num_colors (int): ``k`` (the authors use 5).
        seed (int): Seed of the k-means initialisation.

    Returns:
        torch.Tensor: ``(k, 3)`` colours in [-1, 1].
    """
    if num_colors < 1:
        raise ValueError(f'num_colors={num_colors} must be >= 1.')
    pixels = image[0].reshape(3, -1).t().cpu().numpy().astype(np.float32)
    k = min(num_colors, len(pixels))
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-4)
    _, _, centres = cv2.kmeans(pixels, k, None, criteria, 3,
                               cv2.KMEANS_PP_CENTERS)
    return torch.from_numpy(centres)


def quantize_to_palette(image: torch.Tensor,
                        palette: torch.Tensor) -> torch.Tensor:
    """Replace every pixel by the nearest colour of ``palette``.

    Args:
        image (torch.Tensor): ``(N, 3, H, W)``.
        palette (torch.Tensor): ``(k, 3)``.

    Returns:
        torch.Tensor: ``(N, 3, H, W)`` using at most ``k`` colours.
    """
    palette = palette.to(image)
    pixels = image.permute(0, 2, 3, 1)  # (N, H, W, 3)
    nearest = torch.cdist(pixels.reshape(-1, 3), palette).argmin(dim=1)
    return palette[nearest].reshape(pixels.shape).permute(0, 3, 1, 2)


def paint_to_image(model: SinGAN, painting: torch.Tensor, start_scale: int,
                   real: Optional[torch.Tensor] = None,
                   num_colors: Optional[int] = None,
                   generator: Optional[torch.Generator] = None
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Turn a clip-art painting into an image in the training image's style.

    Args:
        model (SinGAN): The trained model.
        painting (torch.Tensor): ``(1, 3, H, W)`` at the finest size.
        start_scale (int): Injection scale, ``1..num_scales`` (a coarse one:
            the painting gives only the layout).
        real (torch.Tensor, optional): The training image; needed for
            quantization.
        num_colors (int, optional): Quantize the painting to the k-means
            palette of ``real`` at scale ``start_scale`` first (the authors'
            ``quantization_flag``, k = 5). ``None``: no quantization.
        generator (torch.Generator, optional): Random source of the noise.

    Returns:
        tuple: ``(result, injected_painting)``, both ``(1, 3, H, W)``; the
        second is the painting as given to the cascade (quantized or not).
    """
    size = model.sizes[-1]
    _check_shapes(size, painting=painting)
    if num_colors is not None:
        if real is None:
            raise ValueError('Quantization needs the training image (real).')
        check_start_scale(model, start_scale, lowest=1)
        real_n = resize_image(real, model.sizes[start_scale])
        painting = quantize_to_palette(painting,
                                       palette_of(real_n, num_colors))
    return inject_image(model, painting, start_scale, generator), painting


def _check_shapes(size, **tensors) -> None:
    """Raise ``ValueError`` unless every tensor is ``size`` spatially."""
    for name, tensor in tensors.items():
        if tuple(tensor.shape[-2:]) != tuple(size):
            raise ValueError(
                f'{name} is {tuple(tensor.shape[-2:])} (HxW) but the model '
                f'works at {tuple(size)}; load it with load_reference / '
                'load_mask, which fit it to the model.')
