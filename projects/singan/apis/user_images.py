"""Images and masks as a Python caller gives them: paths, arrays, tensors.

:class:`SinGANInferencer` takes any of these for its image inputs; they are
turned here into the user's full-size RGB array (what the result is pasted
back into) and the model-size tensors of :mod:`.inputs`, with one message
naming what was given when it cannot be used.
"""
import os
from typing import Optional, Sequence, Union

import numpy as np
import torch

from ..fileio.image_io import read_image, tensor_to_image
from .inputs import (mask_brightness, mask_from_array, reference_from_array,
                     same_aspect)
from .paste_back import match_mask

__all__ = [
    'ImageInput', 'as_rgb_array', 'as_mask_array', 'to_uint8', 'check_fit',
    'prepare_image'
]

#: A file path, an ``(H, W, 3)`` / ``(H, W)`` RGB array, or a ``(3, H, W)``
#: / ``(1, 3, H, W)`` tensor in [-1, 1] (as the applications return).
ImageInput = Union[str, os.PathLike, np.ndarray, torch.Tensor]


def as_rgb_array(image: ImageInput, name: str = 'input') -> np.ndarray:
    """An image input as an ``(H, W, 3)`` RGB array of its own bit depth.

    Args:
        image (ImageInput): A path (read with EXIF orientation, as in
            training), a uint8 / uint16 array (grey ``(H, W)``, RGB or RGBA),
            or a tensor in [-1, 1].
        name (str): What the image is, for the message.

    Returns:
        np.ndarray: uint8 or uint16 ``(H, W, 3)``.
    """
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    if isinstance(image, torch.Tensor):
        if image.dim() == 4 and image.shape[0] == 1:
            image = image[0]
        if image.dim() == 3 and image.shape[0] in (1, 3):
            return tensor_to_image(image)
        raise ValueError(f'The {name} is a tensor of shape '
                         f'{tuple(image.shape)}; give (3, H, W) or '
                         '(1, 3, H, W) in [-1, 1], or an (H, W, 3) array.')
    array = np.asarray(image)
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(
            f'The {name} is a {array.dtype} array; give uint8 (or uint16) '
            'RGB values, e.g. np.asarray(PIL.Image.open(path)), or the path.')
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f'The {name} has shape {array.shape}; give '
                         '(H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grey.')
    return np.ascontiguousarray(np.repeat(array, 3, axis=2)
                                if array.shape[2] == 1 else array[:, :, :3])


def as_mask_array(mask: ImageInput, name: str = 'mask') -> np.ndarray:
    """A mask input as its brightness, white (1) marking the region.

    Args:
        mask (ImageInput): A path, a bool / integer / float (in [0, 1])
            array ``(H, W)`` or ``(H, W, C)``, or a tensor ``(H, W)``,
            ``(1, H, W)`` or ``(1, 1, H, W)`` in [0, 1] (as ``load_mask``).
        name (str): What the mask is, for the message.

    Returns:
        np.ndarray: float32 ``(H, W)`` in [0, 1].
    """
    if isinstance(mask, (str, os.PathLike)):
        mask = read_image(mask)
    elif isinstance(mask, torch.Tensor):
        mask = mask.detach().float().cpu().squeeze().numpy()
    array = np.asarray(mask)
    if array.ndim not in (2, 3) or array.dtype.kind not in 'biuf':
        raise ValueError(f'The {name} is a {array.dtype} array of shape '
                         f'{array.shape}; give (H, W) values (white: the '
                         'region to change), or the path of a mask image.')
    return mask_brightness(array)[:, :, 0]


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An RGB array in 8 bits (16-bit values rounded; uint8 unchanged).

    Args:
        image (np.ndarray): uint8 or uint16 ``(H, W, 3)``.

    Returns:
        np.ndarray: uint8 ``(H, W, 3)``.
    """
    if image.dtype == np.uint8:
        return image
    return np.round(image.astype(np.float32) / 257).astype(np.uint8)


def check_fit(shape: Sequence[int], size: Sequence[int], resize: str,
              name: str) -> None:
    """Refuse a crop, and another aspect ratio unless stretched.

    A result pasted back into the whole photo cannot come from a crop of it;
    a stretched one is unstretched by the upsampling.

    Args:
        shape (Sequence[int]): ``(H, W)`` of the user's image.
        size (Sequence[int]): ``(h, w)`` of the model's finest scale.
        resize (str): ``'none'`` or ``'stretch'``.
        name (str): What the image is, for the message.

    Returns:
        None
    """
    if resize not in ('none', 'stretch'):
        raise ValueError(
            f"resize={resize!r}: use 'none' or 'stretch'; the result goes "
            'back into the whole image, so crop it yourself first.')
    (h, w), (height, width) = shape, size
    if resize == 'none' and not same_aspect(shape, size):
        raise ValueError(
            f'The {name} is {w}x{h} (WxH), aspect ratio {w / h:.3f}, but the '
            f"model's image is {width}x{height} ({width / height:.3f}). Give "
            "an image of the same aspect ratio, or resize='stretch'.")


def prepare_image(image: ImageInput, mask: Optional[ImageInput],
                  size: Sequence[int], resize: str = 'none',
                  name: str = 'input') -> dict:
    """The user's image (and mask) at full size and at the model's size.

    Args:
        image (ImageInput): The image.
        mask (ImageInput, optional): Its mask (see :func:`match_mask` for
            another size).
        size (Sequence[int]): ``(h, w)`` of the model's finest scale.
        resize (str): See :func:`check_fit`.
        name (str): What the image is, for messages.

    Returns:
        dict: ``full`` (uint8 ``(H, W, 3)``), ``image`` (``(1, 3, h, w)``
        in [-1, 1]), ``full_mask`` (``(H, W)`` of 0 and 1, or ``None``) and
        ``mask`` (``(1, 1, h, w)``, or ``None``).
    """
    array = as_rgb_array(image, name)
    check_fit(array.shape[:2], size, resize, name)
    data = dict(full=to_uint8(array), full_mask=None, mask=None,
                image=reference_from_array(array, size, resize,
                                           f'The {name}'))
    if mask is not None:
        data['full_mask'] = match_mask(as_mask_array(mask), array.shape[:2])
        data['mask'] = mask_from_array(data['full_mask'], size, resize)
    return data
