"""Reading and writing images, with clear messages for bad files.

Images are handled in RGB order: the file is decoded by OpenCV (BGR) and
flipped once here. Models trained by mmagic expect BGR; their checkpoints
are converted on load instead (see ``docs/mmagic.md``).
"""
import os
import os.path as osp
from typing import List, Sequence, Union

import cv2
import numpy as np
import torch

from .atomic import atomic_write_bytes

__all__ = [
    'ImageLoadError', 'read_image', 'to_unit_range', 'tensor_to_image',
    'save_image', 'make_grid'
]


class ImageLoadError(ValueError):
    """A file that cannot be used as an image."""


def read_image(path: Union[str, os.PathLike]) -> np.ndarray:
    """Decode an image file as ``(H, W, 3)`` RGB in its own bit depth.

    Grey images are repeated over three channels, alpha is dropped, palette
    images are expanded; 8- and 16-bit files keep their dtype.

    Args:
        path (str | PathLike): Image file.

    Returns:
        np.ndarray: ``uint8`` or ``uint16`` array of shape ``(H, W, 3)``.
    """
    path = os.fspath(path)
    if not osp.exists(path):
        raise ImageLoadError(f'Image file {path!r} does not exist. Check '
                             'the path (data_root in the config).')
    if osp.isdir(path):
        raise ImageLoadError(f'{path!r} is a folder; give the path of one '
                             'image file.')
    try:
        if osp.getsize(path) == 0:
            raise ImageLoadError(f'Image file {path!r} is empty (0 bytes). '
                                 'Copy the image again.')
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise ImageLoadError(
            f'Image file {path!r} cannot be read ({err.strerror}). Check its '
            'permissions, or copy it somewhere readable.') from err
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise ImageLoadError(
            f'{path!r} is not an image OpenCV can decode (wrong format or a '
            'truncated file). Save it again as PNG or JPEG.')
    if image.dtype not in (np.uint8, np.uint16):
        raise ImageLoadError(f'{path!r} has pixel type {image.dtype}; use an '
                             '8- or 16-bit image.')
    return _to_rgb(image)


def _to_rgb(image: np.ndarray) -> np.ndarray:
    """Decoded OpenCV array (grey, BGR or BGRA) to ``(H, W, 3)`` RGB."""
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.shape[2] == 2:  # grey + alpha
        return np.repeat(image[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(image[:, :, 2::-1])  # BGR(A) -> RGB


def to_unit_range(image: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Map pixel values of an image of ``dtype`` to [-1, 1].

    Args:
        image (np.ndarray): Pixel values (any float or int array).
        dtype (np.dtype): The dtype the file had (uint8 or uint16).

    Returns:
        np.ndarray: float32 array in [-1, 1].
    """
    peak = float(np.iinfo(dtype).max)
    return (image.astype(np.float32) / peak * 2.0 - 1.0).clip(-1.0, 1.0)


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """``(C, H, W)`` RGB tensor in [-1, 1] to an ``(H, W, 3)`` uint8 array.

    Args:
        tensor (torch.Tensor): One image, 1 or 3 channels.

    Returns:
        np.ndarray: RGB uint8 image.
    """
    image = tensor.detach().float().cpu().clamp(-1, 1)
    image = ((image + 1) * 127.5).round().to(torch.uint8)
    if image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    return image.permute(1, 2, 0).numpy()


def save_image(image: Union[np.ndarray, torch.Tensor],
               path: Union[str, os.PathLike]) -> str:
    """Write an RGB image atomically; the format follows the extension.

    Args:
        image (np.ndarray | torch.Tensor): ``(H, W, 3)`` uint8 RGB, or a
            ``(C, H, W)`` tensor in [-1, 1].
        path (str | PathLike): Output file (``.png`` recommended).

    Returns:
        str: The path written.
    """
    if isinstance(image, torch.Tensor):
        image = tensor_to_image(image)
    path = os.fspath(path)
    ext = osp.splitext(path)[1] or '.png'
    ok, encoded = cv2.imencode(ext, np.ascontiguousarray(image[:, :, ::-1]))
    if not ok:
        raise ImageLoadError(f'OpenCV cannot encode {ext!r} files; save as '
                             '.png instead.')
    atomic_write_bytes(encoded.tobytes(), path)
    return path


def make_grid(images: Sequence[np.ndarray], ncols: int = 4,
              pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile same-height RGB images into one image, row by row.

    Args:
        images (Sequence[np.ndarray]): ``(H, W_i, 3)`` uint8 arrays.
        ncols (int): Images per row.
        pad (int): Pixels between images.
        fill (int): Colour of the padding.

    Returns:
        np.ndarray: The grid, ``(rows * (H + pad) + pad, ..., 3)`` uint8.
    """
    height = max(im.shape[0] for im in images)
    width = max(im.shape[1] for im in images)
    rows: List[List[np.ndarray]] = [
        list(images[i:i + ncols]) for i in range(0, len(images), ncols)
    ]
    ncols = min(ncols, len(images))
    grid = np.full((len(rows) * (height + pad) + pad,
                    ncols * (width + pad) + pad, 3), fill, np.uint8)
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            y, x = pad + r * (height + pad), pad + c * (width + pad)
            grid[y:y + im.shape[0], x:x + im.shape[1]] = im
    return grid
