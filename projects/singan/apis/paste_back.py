"""Results at the user's full resolution: upsample, then paste back.

A SinGAN works at the size it was trained at (a long side of 250 px in the
paper), while a user's photo is often several times larger. Harmonization,
editing and paint-to-image change only a region, so their result goes back
into the user's own photo: the model's output is upsampled (bicubic) to the
photo's size and composited inside the dilated, blurred mask only, so every
pixel outside it keeps the photo's exact value (no resampling, no rounding).

A mask of the photo's aspect ratio but another size is resized to it, as
:func:`inputs.load_mask` fits masks to the model's size; one of another
aspect ratio is refused with both sizes.
"""
from typing import Optional, Sequence

import numpy as np
import torch

from ..ops.cascade import upsample
from .inputs import binary_mask, fit_to_size, same_aspect
from .manipulations import dilate_mask

__all__ = ['match_mask', 'to_full_resolution', 'paste_back']


def match_mask(mask: np.ndarray, size: Sequence[int],
               name: str = 'The mask') -> np.ndarray:
    """A binary mask on the pixels of an image of ``size``.

    Args:
        mask (np.ndarray): ``(h, w)`` float in [0, 1] (white, above 0.5:
            the region to change).
        size (Sequence[int]): ``(H, W)`` of the image it belongs to.
        name (str): What the mask is, for the messages.

    Returns:
        np.ndarray: float32 ``(H, W)`` of 0.0 and 1.0.

    Raises:
        ValueError: The mask's aspect ratio differs from the image's (the
            message gives both sizes), or the mask is empty.
    """
    (h, w), (height, width) = mask.shape[:2], size
    if (h, w) != (height, width):
        if not same_aspect((h, w), size):
            raise ValueError(
                f'{name} is {w}x{h} (WxH) but its image is {width}x{height}:'
                ' the mask must cover the same picture. Draw it on the '
                'image itself (white where it changed), at its size.')
        mask = fit_to_size(mask[:, :, None], size, 'none', name)[:, :, 0]
    return binary_mask(mask, name)


def to_full_resolution(model_output: torch.Tensor,
                       size: Sequence[int]) -> np.ndarray:
    """The model's image upsampled (bicubic) to ``size``, in [0, 255].

    Args:
        model_output (torch.Tensor): ``(1, 3, h, w)`` in [-1, 1].
        size (Sequence[int]): Target ``(H, W)``.

    Returns:
        np.ndarray: float32 ``(H, W, 3)`` in [0, 255] (not rounded).
    """
    image = model_output.detach().float().cpu()[:1]
    if tuple(image.shape[-2:]) != tuple(size):
        image = upsample(image, size)
    unit = image.clamp(-1, 1)[0].permute(1, 2, 0)  # (H, W, 3)
    return ((unit + 1) * 127.5).numpy()


def paste_back(full_image: np.ndarray, model_output: torch.Tensor,
               mask: Optional[np.ndarray] = None, radius: float = 0.0,
               sigma: float = 0.0) -> np.ndarray:
    """Composite the model's result into the full-resolution image.

    ``out = soft * upsampled + (1 - soft) * full_image`` with ``soft`` the
    mask dilated by ``radius`` and blurred by ``sigma``
    (:func:`manipulations.dilate_mask`); where ``soft`` is 0 the output is
    ``full_image``, bit for bit.

    Args:
        full_image (np.ndarray): The user's ``(H, W, 3)`` uint8 RGB image.
        model_output (torch.Tensor): ``(1, 3, h, w)`` in [-1, 1], any size
            (the model's), upsampled to ``(H, W)``.
        mask (np.ndarray, optional): ``(H, W)`` binary mask of the region to
            take from the model (see :func:`match_mask`). ``None``: the whole
            image (the upsampled output alone).
        radius (float): Dilation radius, in pixels of ``full_image``.
        sigma (float): Blur sigma, in pixels of ``full_image``.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    size = full_image.shape[:2]
    result = to_full_resolution(model_output, size)
    if mask is None:
        return np.round(result).astype(np.uint8)
    if tuple(mask.shape[:2]) != tuple(size):
        raise ValueError(f'The mask is {mask.shape[1]}x{mask.shape[0]} (WxH)'
                         f' but the image is {size[1]}x{size[0]}; fit it '
                         'with match_mask first.')
    binary = torch.from_numpy((np.asarray(mask) > 0.5).astype(np.float32))
    soft = dilate_mask(binary[None, None], radius, sigma)[0, 0].numpy()
    soft = soft[:, :, None]  # (H, W, 1), broadcast over the colours
    blended = soft * result + (1 - soft) * full_image.astype(np.float32)
    blended = np.round(blended).clip(0, 255).astype(np.uint8)
    # outside the soft mask: the user's pixels themselves, not recomputed
    return np.where(soft > 0, blended, full_image)
