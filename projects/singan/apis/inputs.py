"""Inputs of the applications: the training image, references and masks.

Every image an application takes (a pasted or edited copy, a painting, a
mask) is put onto the finest size of the trained pyramid here, so the
manipulations themselves only see tensors of the right shape. An input whose
aspect ratio differs from the training image's is refused unless the caller
chooses how to fit it (``resize='stretch'`` or ``'crop'``): a silent stretch
would give a plausible-looking but wrong result.

Every input's shape is checked (:func:`check_image_shape`: at least one
pixel each way, at most ``MAX_IMAGE_PIXELS``, the limit of image files)
before a float copy of it is made.
"""
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config

from ..datasets.singan_dataset import SinGANDataset
from ..fileio.image_io import (MAX_IMAGE_PIXELS, ImageTooLargeError,
                               check_image_pixels, read_image, to_unit_range)

__all__ = [
    'RESIZE_MODES', 'training_pyramid', 'fit_to_size', 'load_reference',
    'load_mask', 'reference_from_array', 'image_to_tensor', 'same_aspect',
    'mask_from_array', 'mask_brightness', 'binary_mask', 'check_image_shape'
]

#: How an input of another aspect ratio is fitted: refuse, stretch, or crop
#: its centre to the training aspect ratio first.
RESIZE_MODES = ('none', 'stretch', 'crop')
#: Relative aspect-ratio difference still taken as "the same" (capping the
#: training image to ``max_size`` rounds its sides by up to half a pixel).
ASPECT_TOLERANCE = 0.02


def training_pyramid(cfg: Union[str, Config],
                     sizes: Sequence[Sequence[int]]) -> List[torch.Tensor]:
    """The real images the model was trained on, coarsest first.

    Args:
        cfg (str | Config): The training config (its ``train_dataloader``
            names the image and the pyramid settings).
        sizes (Sequence[Sequence[int]]): ``(H, W)`` per scale of the loaded
            model (``model.sizes``), to check that the config still matches.

    Returns:
        list[torch.Tensor]: ``(1, 3, H_s, W_s)`` tensors in [-1, 1], RGB.
    """
    cfg = Config.fromfile(cfg) if isinstance(cfg, str) else cfg
    dataset_cfg = dict(cfg.train_dataloader.dataset)
    dataset_cfg.pop('type', None)
    dataset = SinGANDataset(**dataset_cfg)
    reals = dataset.pyramid()
    found = [tuple(r.shape[-2:]) for r in reals]
    if found != [tuple(s) for s in sizes]:
        raise ValueError(
            f'The config\'s image {dataset.data_root} gives a pyramid of '
            f'sizes {found}, but the checkpoint was trained with '
            f'{[tuple(s) for s in sizes]}. Use the config (and image) the '
            'model was trained with.')
    return reals


def check_image_shape(shape: Sequence[int], name: str = 'The input',
                      max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Refuse an empty image, or one too large to convert, up front.

    Args:
        shape (Sequence[int]): ``(H, W, ...)`` of an array or image.
        name (str): What the image is, for the message.
        max_pixels (int): Largest ``H * W`` accepted (a float32 RGB copy
            takes 12 bytes a pixel).

    Returns:
        None

    Raises:
        ValueError: An image with no pixels.
        ImageTooLargeError: More than ``max_pixels``.
    """
    height, width = (int(v) for v in shape[:2])
    if height < 1 or width < 1:
        raise ValueError(f'{name} is {width}x{height} (WxH): it has no '
                         'pixels. Give an image of at least 1x1 (the model '
                         'works at its own size).')
    check_image_pixels(name, width, height, max_pixels, ImageTooLargeError)


def _crop_to_aspect(image: np.ndarray, aspect: float) -> np.ndarray:
    """Centre crop of an ``HWC`` array to width / height = ``aspect``."""
    height, width = image.shape[:2]
    if width / height > aspect:
        new_w = max(1, round(height * aspect))
        left = (width - new_w) // 2
        return image[:, left:left + new_w]
    new_h = max(1, round(width / aspect))
    top = (height - new_h) // 2
    return image[top:top + new_h]


def same_aspect(shape: Sequence[int], size: Sequence[int]) -> bool:
    """Whether two ``(H, W)`` sizes have the same aspect ratio.

    Args:
        shape (Sequence[int]): ``(h, w)`` of an input.
        size (Sequence[int]): ``(H, W)`` it is to fit.

    Returns:
        bool: Width / height within :data:`ASPECT_TOLERANCE` of each other.
    """
    (h, w), (height, width) = shape[:2], size[:2]
    return abs((w / h) / (width / height) - 1) <= ASPECT_TOLERANCE


def fit_to_size(image: np.ndarray, size: Sequence[int], resize: str = 'none',
                name: str = 'the input') -> np.ndarray:
    """Check the aspect ratio of an ``HWC`` array and fit it to ``size``.

    Args:
        image (np.ndarray): ``(h, w, C)`` array, any dtype.
        size (Sequence[int]): Target ``(H, W)``.
        resize (str): One of :data:`RESIZE_MODES`. ``'none'`` refuses an
            input whose aspect ratio differs from ``size``'s.
        name (str): What the input is, for the error message.

    Returns:
        np.ndarray: float32 ``(H, W, C)`` array (area or cubic interpolation).
    """
    if resize not in RESIZE_MODES:
        raise ValueError(
            f'resize={resize!r}: use one of {list(RESIZE_MODES)}.')
    check_image_shape(image.shape, name)
    height, width = image.shape[:2]
    aspect = size[1] / size[0]
    if not same_aspect((height, width), size):
        if resize == 'none':
            raise ValueError(
                f'{name} is {width}x{height} (WxH), aspect ratio '
                f'{width / height:.3f}, but the model\'s image is '
                f'{size[1]}x{size[0]} ({aspect:.3f}). Give an input of the '
                'same aspect ratio, or choose --resize stretch (distort it) '
                'or --resize crop (cut its centre).')
        if resize == 'crop':
            image = _crop_to_aspect(image, aspect)
    shrink = image.shape[0] > size[0]
    out = cv2.resize(image.astype(np.float32), (size[1], size[0]),
                     interpolation=cv2.INTER_AREA if shrink else
                     cv2.INTER_CUBIC)
    return out.reshape(size[0], size[1], -1)


def load_reference(path: str, size: Sequence[int], resize: str = 'none',
                   name: str = 'reference') -> torch.Tensor:
    """Read an RGB input image and put it onto the model's finest size.

    Grey and RGBA files load as in training (:func:`read_image`).

    Args:
        path (str): Image file.
        size (Sequence[int]): ``(H, W)`` of the model's finest scale.
        resize (str): See :func:`fit_to_size`.
        name (str): What the image is, for error messages.

    Returns:
        torch.Tensor: ``(1, 3, H, W)`` in [-1, 1].
    """
    return reference_from_array(read_image(path), size, resize,
                                f'The {name} {path!r}')


def reference_from_array(image: np.ndarray, size: Sequence[int],
                         resize: str = 'none',
                         name: str = 'The reference') -> torch.Tensor:
    """An ``(h, w, 3)`` RGB array put onto the model's finest size.

    Args:
        image (np.ndarray): ``uint8`` or ``uint16`` RGB, any size.
        size (Sequence[int]): ``(H, W)`` of the model's finest scale.
        resize (str): See :func:`fit_to_size`.
        name (str): What the image is, for error messages.

    Returns:
        torch.Tensor: ``(1, 3, H, W)`` in [-1, 1].
    """
    return image_to_tensor(fit_to_size(image, size, resize, name),
                           image.dtype)


def image_to_tensor(image: np.ndarray,
                    dtype: Optional[np.dtype] = None) -> torch.Tensor:
    """An ``(H, W, 3)`` RGB array as a ``(1, 3, H, W)`` tensor in [-1, 1].

    Args:
        image (np.ndarray): Pixel values (any dtype).
        dtype (np.dtype, optional): The dtype whose range they are in
            (uint8 or uint16); ``None``: ``image.dtype``.

    Returns:
        torch.Tensor: float32, the array's size.
    """
    unit = to_unit_range(image, dtype or image.dtype)  # (H, W, 3)
    return torch.from_numpy(unit).permute(2, 0, 1)[None].contiguous()


def load_mask(path: str, size: Sequence[int], resize: str = 'none') -> \
        torch.Tensor:
    """Read a mask (white: the region to change) as a binary tensor.

    Args:
        path (str): Image file; any channels, any bit depth.
        size (Sequence[int]): ``(H, W)`` of the model's finest scale.
        resize (str): See :func:`fit_to_size`.

    Returns:
        torch.Tensor: ``(1, 1, H, W)`` of 0.0 and 1.0.
    """
    return mask_from_array(read_image(path), size, resize,
                           f'The mask {path!r}')


def mask_from_array(mask: np.ndarray, size: Sequence[int],
                    resize: str = 'none',
                    name: str = 'The mask') -> torch.Tensor:
    """A mask array (white: the region to change) on the model's size.

    Args:
        mask (np.ndarray): ``(h, w)`` or ``(h, w, C)``, bool or integer
            (white: the dtype's maximum) or float in [0, 1].
        size (Sequence[int]): ``(H, W)`` to fit it to.
        resize (str): See :func:`fit_to_size`.
        name (str): What the mask is, for error messages.

    Returns:
        torch.Tensor: ``(1, 1, H, W)`` of 0.0 and 1.0.
    """
    fitted = fit_to_size(mask_brightness(mask), size, resize, name)
    return torch.from_numpy(binary_mask(fitted[:, :, 0], name))[None, None]


def binary_mask(brightness: np.ndarray, name: str = 'The mask'
                ) -> np.ndarray:
    """Pixels above half brightness, refusing an empty mask.

    Args:
        brightness (np.ndarray): ``(H, W)`` float in [0, 1].
        name (str): What the mask is, for the message.

    Returns:
        np.ndarray: float32 ``(H, W)`` of 0.0 and 1.0.
    """
    binary = (brightness > 0.5).astype(np.float32)
    if not binary.any():
        raise ValueError(f'{name} is empty (no pixel above half '
                         'brightness): paint the region to change white.')
    return binary


def mask_brightness(mask: np.ndarray) -> np.ndarray:
    """A mask's brightness: the mean over its channels, in [0, 1].

    Args:
        mask (np.ndarray): ``(h, w)`` or ``(h, w, C)``, bool or integer
            (white: the dtype's maximum) or float in [0, 1].

    Returns:
        np.ndarray: float32 ``(h, w, 1)``.
    """
    mask = np.asarray(mask)
    integer = np.issubdtype(mask.dtype, np.integer)  # bool and float: 1
    peak = float(np.iinfo(mask.dtype).max) if integer else 1.0
    grey = mask.reshape(mask.shape[0], mask.shape[1], -1).astype(np.float32)
    return grey.mean(axis=2, keepdims=True) / peak
