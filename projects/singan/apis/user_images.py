"""Images and masks as a Python caller gives them: paths, arrays, tensors.

:class:`SinGANInferencer` takes any of these for its image inputs; they are
turned here into the user's full-size RGB array (what the result is pasted
back into) and the model-size tensors of :mod:`.inputs`, with one message
naming what was given when it cannot be used.

Each input is checked before anything is allocated for it, in this order:
its type, its shape (:func:`.inputs.check_image_shape`: not empty, not
larger than an image file may be), its dtype, then its values (finite, and
in [-1, 1] for a tensor: one in 0..255 would be clipped to white, a NaN
turned black). Paths are checked by :func:`read_image` (size and header
first).
"""
import os
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..fileio.image_io import image_header_size, read_image, tensor_to_image
from .inputs import (check_image_shape, mask_brightness, mask_from_array,
                     reference_from_array, same_aspect)
from .paste_back import match_mask

__all__ = [
    'ImageInput', 'as_rgb_array', 'as_mask_array', 'to_uint8', 'check_fit',
    'prepare_image', 'input_size', 'check_tensor_values'
]

#: How far a tensor may stray outside [-1, 1] (rounding of a model output).
RANGE_TOLERANCE = 1e-3

#: A file path, an ``(H, W, 3)`` / ``(H, W)`` RGB array, or a ``(3, H, W)``
#: / ``(1, 3, H, W)`` tensor in [-1, 1] (as the applications return).
ImageInput = Union[str, os.PathLike, np.ndarray, torch.Tensor]


def input_size(image: ImageInput, name: str = 'input') -> Tuple[int, int]:
    """``(H, W)`` of an image input, converting nothing.

    Args:
        image (ImageInput): A path (its header is read), an array or a
            tensor.
        name (str): What the image is, for the message.

    Returns:
        tuple[int, int]: As stored (a path's EXIF orientation is not
        applied; the pixel count is the same).
    """
    if isinstance(image, (str, os.PathLike)):
        size = image_header_size(image)
        return (size[1], size[0]) if size else read_image(image).shape[:2]
    if isinstance(image, torch.Tensor):
        return tuple(_tensor_chw(image, name).shape[-2:])
    return tuple(_array_hwc(image, name).shape[:2])


def _tensor_chw(image: torch.Tensor, name: str) -> torch.Tensor:
    """A ``(C, H, W)`` view of an image tensor, its shape checked."""
    if image.dim() == 4 and image.shape[0] == 1:
        image = image[0]
    if image.dim() != 3 or image.shape[0] not in (1, 3):
        raise ValueError(f'The {name} is a tensor of shape '
                         f'{tuple(image.shape)}; give (3, H, W) or '
                         '(1, 3, H, W) in [-1, 1], or an (H, W, 3) array.')
    check_image_shape(image.shape[1:], f'The {name}')
    return image


def _array_hwc(image: object, name: str) -> np.ndarray:
    """An ``(H, W, C)`` view of an image array, its shape checked."""
    if image is None or isinstance(image, (str, bytes, dict)):
        raise ValueError(
            f'The {name} is {type(image).__name__} {str(image)[:40]!r}; give '
            'the path of an image, an (H, W, 3) uint8 array or a (3, H, W) '
            'tensor in [-1, 1].')
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f'The {name} has shape {array.shape}; give '
                         '(H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grey.')
    check_image_shape(array.shape, f'The {name}')
    return array


def check_tensor_values(image: torch.Tensor, name: str = 'input',
                        low: float = -1.0, high: float = 1.0) -> None:
    """Refuse a tensor that is not floating point, finite and in range.

    Args:
        image (torch.Tensor): Any shape; its smallest and largest values are
            read (``aminmax``: no copy of the tensor).
        name (str): What it is, for the message.
        low (float): Smallest value expected.
        high (float): Largest value expected.

    Returns:
        None
    """
    expected = f'values in [{low:g}, {high:g}]'
    if not image.is_floating_point():
        raise ValueError(
            f'The {name} is a {image.dtype} tensor; give a float tensor with '
            f'{expected} (e.g. t.float() / 127.5 - 1 for 0..255 values), or '
            'an (H, W, 3) uint8 array.')
    lowest, highest = (float(v) for v in torch.aminmax(image.detach()))
    if not (np.isfinite(lowest) and np.isfinite(highest)):
        raise ValueError(
            f'The {name} holds NaN or infinite values; give {expected}. '
            'Replace them first, e.g. torch.nan_to_num(t).clamp(-1, 1).')
    margin = RANGE_TOLERANCE * (high - low)
    if lowest < low - margin or highest > high + margin:
        hint = (' They look like 0..255 pixel values: pass t / 127.5 - 1, '
                'or the uint8 array.' if lowest >= 0 and highest <= 255
                and high == 1.0 else ' Rescale them first.')
        raise ValueError(f'The {name} has values in [{lowest:g}, '
                         f'{highest:g}]; expected {expected}.{hint}')


def as_rgb_array(image: ImageInput, name: str = 'input') -> np.ndarray:
    """An image input as an ``(H, W, 3)`` RGB array of its own bit depth.

    Args:
        image (ImageInput): A path (read with EXIF orientation, as in
            training), a uint8 / uint16 array (grey ``(H, W)``, RGB or RGBA),
            or a float tensor in [-1, 1].
        name (str): What the image is, for the message.

    Returns:
        np.ndarray: uint8 or uint16 ``(H, W, 3)``.
    """
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    if isinstance(image, torch.Tensor):
        image = _tensor_chw(image, name)
        check_tensor_values(image, name)
        return tensor_to_image(image)
    array = _array_hwc(image, name)
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(
            f'The {name} is a {array.dtype} array; give uint8 (or uint16) '
            'RGB values, e.g. np.asarray(PIL.Image.open(path)), a (3, H, W) '
            'float tensor in [-1, 1], or the path.')
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
        squeezed = mask.detach().squeeze()
        if squeezed.dim() != 2:
            raise ValueError(f'The {name} is a tensor of shape '
                             f'{tuple(mask.shape)}; give (H, W), (1, H, W) '
                             'or (1, 1, H, W) in [0, 1].')
        check_image_shape(squeezed.shape, f'The {name}')
        if squeezed.is_floating_point():
            check_tensor_values(squeezed, name, 0.0, 1.0)
        mask = squeezed.float().cpu().numpy()
    array = np.asarray(mask)
    if array.ndim not in (2, 3) or array.dtype.kind not in 'biuf':
        raise ValueError(f'The {name} is a {array.dtype} array of shape '
                         f'{array.shape}; give (H, W) values (white: the '
                         'region to change), or the path of a mask image.')
    check_image_shape(array.shape, f'The {name}')
    if array.dtype.kind == 'f':
        _check_float_mask(array, name)
    return mask_brightness(array)[:, :, 0]


def _check_float_mask(array: np.ndarray, name: str) -> None:
    """Refuse a float mask with NaN, inf or values outside [0, 1]."""
    lowest, highest = float(np.min(array)), float(np.max(array))  # no copy
    if not (np.isfinite(lowest) and np.isfinite(highest)):
        raise ValueError(f'The {name} holds NaN or infinite values; give '
                         'values in [0, 1] (white: the region to change).')
    if lowest < -RANGE_TOLERANCE or highest > 1 + RANGE_TOLERANCE:
        hint = (' They look like 0..255 values: pass mask / 255, or a uint8 '
                'array.' if lowest >= 0 and highest <= 255 else '')
        raise ValueError(f'The {name} has values in [{lowest:g}, '
                         f'{highest:g}]; expected [0, 1] (white: the region '
                         f'to change).{hint}')


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
