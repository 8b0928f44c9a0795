"""Results at full resolution: the model's colours, the photo's detail.

A SinGAN works at the size it was trained at (a long side of 128 px for the
demo preset, 250 px in the paper), while a user's photo is often ten times
larger. Harmonization, editing and paint-to-image change only a region, so
their result goes back into the user's own photo:

- **Detail.** The model's output, upsampled (bicubic) to the photo's size,
  has no frequencies above the model's own resolution: alone it is a smear.
  So the photo is split at the model's scale (a Laplacian pyramid level:
  ``low = up(down(photo))``, ``detail = photo - low``) and the model gives
  only the low frequencies: ``out = up(model) + detail``, i.e. the photo plus
  the change the model made, ``photo + (up(model) - low)``. Where the model
  kept its input, the photo comes back unchanged. A painting has no detail of
  its own (flat clip-art colours) to keep: paint-to-image uses
  ``detail='none'``, the upsampled output, as sharp as the model.
- **Where.** The change is taken inside the mask and a band of ``feather``
  pixels of the photo around it, fading to 0 (:func:`feather_mask`); every
  pixel farther from the mask keeps the photo's exact value (no resampling,
  no rounding).

A mask of the photo's aspect ratio but another size is resized to it, as
:func:`inputs.load_mask` fits masks to the model's size; one of another
aspect ratio is refused with both sizes.
"""
from typing import Optional, Sequence

import cv2
import numpy as np
import torch

from ..ops.cascade import upsample
from .inputs import binary_mask, fit_to_size, same_aspect
from .manipulations import REFERENCE_SIZE, check_feather, feather_mask

__all__ = [
    'DETAIL_MODES', 'match_mask', 'to_full_resolution', 'low_frequencies',
    'full_size_feather', 'paste_back', 'detail_ratio'
]

#: Where the high frequencies of a pasted-back result come from.
DETAIL_MODES = ('photo', 'none')


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


def low_frequencies(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """What of ``image`` a model of ``size`` can hold: down, then up again.

    Area-averaged down to ``size`` (as the model's input is made,
    :func:`inputs.fit_to_size`), then upsampled as the model's output is
    (:func:`to_full_resolution`).

    Args:
        image (np.ndarray): ``(H, W, 3)`` RGB, uint8 or float in [0, 255].
        size (Sequence[int]): ``(h, w)`` of the model's image.

    Returns:
        np.ndarray: float32 ``(H, W, 3)`` in [0, 255].
    """
    small = cv2.resize(np.asarray(image, np.float32), (size[1], size[0]),
                       interpolation=cv2.INTER_AREA)
    tensor = torch.from_numpy(small / 127.5 - 1).permute(2, 0, 1)[None]
    return to_full_resolution(tensor, image.shape[:2])


def full_size_feather(feather: Optional[float], radius: float, sigma: float,
                      size: Sequence[int]) -> float:
    """The feather width in pixels of a photo of ``size``.

    Args:
        feather (float, optional): Pixels of the photo, used as given (after
            a check); ``None``: the authors' blend region, ``radius + 2 *
            sigma`` pixels of a 250 px image at the photo's size (where their
            blurred mask has fallen to about 2 %), e.g. 85 px for
            harmonization (7 + 2 * 5) of a 1253 px photo.
        radius (float): Dilation radius in pixels of a 250 px image.
        sigma (float): Blur sigma in the same units.
        size (Sequence[int]): ``(H, W)`` of the photo.

    Returns:
        float: Pixels of the photo, >= 0.
    """
    if feather is not None:
        check_feather(feather)
        return float(feather)
    return (radius + 2 * sigma) * max(size) / REFERENCE_SIZE


def paste_back(full_image: np.ndarray, model_output: torch.Tensor,
               mask: Optional[np.ndarray] = None, feather: float = 0.0,
               detail: str = 'photo') -> np.ndarray:
    """Composite the model's result into the full-resolution image.

    ``out = full + soft * (up(model) - low(full))`` (``detail='photo'``) or
    ``out = full + soft * (up(model) - full)`` (``'none'``), with ``soft``
    the mask feathered by ``feather`` pixels (:func:`feather_mask`); where
    ``soft`` is 0, farther than ``feather`` from the mask, the output is
    ``full_image``, bit for bit.

    Args:
        full_image (np.ndarray): The user's ``(H, W, 3)`` uint8 RGB image.
        model_output (torch.Tensor): ``(1, 3, h, w)`` in [-1, 1], any size
            (the model's), upsampled to ``(H, W)``.
        mask (np.ndarray, optional): ``(H, W)`` binary mask of the region to
            take from the model (see :func:`match_mask`). ``None``: the whole
            image.
        feather (float): Width of the fade around the mask, in pixels of
            ``full_image`` (0: a hard edge).
        detail (str): ``'photo'``: keep ``full_image``'s frequencies above
            the model's resolution; ``'none'``: the upsampled output alone
            (for a painting, which has no detail to keep).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    if detail not in DETAIL_MODES:
        raise ValueError(f'detail={detail!r}: use one of {list(DETAIL_MODES)}'
                         " ('photo' keeps the photo's fine detail).")
    size = full_image.shape[:2]
    photo = full_image.astype(np.float32)
    base = low_frequencies(photo, model_output.shape[-2:]) \
        if detail == 'photo' else photo
    change = to_full_resolution(model_output, size) - base
    if mask is None:
        return np.round(photo + change).clip(0, 255).astype(np.uint8)
    if tuple(mask.shape[:2]) != tuple(size):
        raise ValueError(f'The mask is {mask.shape[1]}x{mask.shape[0]} (WxH)'
                         f' but the image is {size[1]}x{size[0]}; fit it '
                         'with match_mask first.')
    binary = torch.from_numpy((np.asarray(mask) > 0.5).astype(np.float32))
    soft = feather_mask(binary[None, None], feather)[0, 0].numpy()
    soft = soft[:, :, None]  # (H, W, 1), broadcast over the colours
    blended = np.round(photo + soft * change).clip(0, 255).astype(np.uint8)
    # outside the soft mask: the user's pixels themselves, not recomputed
    return np.where(soft > 0, blended, full_image)


def detail_ratio(result: np.ndarray, photo: np.ndarray, mask: np.ndarray,
                 size: Sequence[int]) -> float:
    """High-frequency energy of ``result`` inside ``mask``, over the photo's.

    The energy of ``image - low_frequencies(image, size)`` (what a model of
    ``size`` cannot hold): about 1 when the result keeps the photo's fine
    detail, near 0 for the model's output upsampled alone (a smear).

    Args:
        result (np.ndarray): ``(H, W, 3)`` RGB result.
        photo (np.ndarray): ``(H, W, 3)`` RGB photo it was made from.
        mask (np.ndarray): ``(H, W)`` region to measure (above 0.5: in).
        size (Sequence[int]): ``(h, w)`` of the model's image.

    Returns:
        float: The ratio of the mean squared high frequencies.
    """
    inside = np.asarray(mask) > 0.5

    def energy(image):
        image = np.asarray(image, np.float32)
        high = image - low_frequencies(image, size)
        return float(np.mean(high[inside] ** 2))

    return energy(result) / max(energy(photo), 1e-12)
