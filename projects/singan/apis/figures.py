"""Side-by-side comparison pictures with captions (input | result)."""
from typing import Sequence, Tuple

import cv2
import numpy as np
import torch

from ..fileio.image_io import tensor_to_image

__all__ = ['to_display', 'captioned_row', 'stack_rows']

#: Height of the caption band above each picture, in pixels.
CAPTION_HEIGHT = 18
#: Smallest display height: tiny pictures are enlarged (nearest neighbour).
MIN_HEIGHT = 96


def to_display(image, height: int) -> np.ndarray:
    """An image (tensor or array) as uint8 RGB of the given height.

    Args:
        image (torch.Tensor | np.ndarray): ``(C, H, W)`` or ``(1, C, H, W)``
            tensor in [-1, 1] (a 1-channel tensor is a mask in [0, 1]), or an
            ``(H, W, 3)`` uint8 array.
        height (int): Display height; nearest-neighbour scaling keeps pixels
            visible.

    Returns:
        np.ndarray: ``(height, W', 3)`` uint8.
    """
    if isinstance(image, torch.Tensor):
        image = image[0] if image.dim() == 4 else image
        if image.shape[0] == 1:  # mask in [0, 1] -> [-1, 1]
            image = image * 2 - 1
        image = tensor_to_image(image)
    scale = height / image.shape[0]
    width = max(1, round(image.shape[1] * scale))
    return cv2.resize(image, (width, height),
                      interpolation=cv2.INTER_NEAREST)


def captioned_row(items: Sequence[Tuple[str, object]], height: int = 0,
                  pad: int = 4, same_scale: bool = False) -> np.ndarray:
    """Pictures side by side, each with its caption above it.

    Args:
        items (Sequence[tuple[str, image]]): ``(caption, image)`` pairs; see
            :func:`to_display` for the image types.
        height (int): Display height of every picture; 0: the tallest
            (at least ``MIN_HEIGHT``).
        pad (int): White gap between pictures.
        same_scale (bool): Scale every picture by the same factor (the one
            that brings the tallest to ``height``) instead of bringing each
            to ``height``, so their sizes compare (e.g. samples of another
            size than the training image); shorter ones are padded.

    Returns:
        np.ndarray: ``(CAPTION_HEIGHT + height + pad, W, 3)`` uint8 RGB.
    """
    tallest = max(_height(im) for _, im in items)
    height = height or max(MIN_HEIGHT, tallest)
    panels = []
    for caption, image in items:
        own = round(_height(image) * height / tallest) if same_scale \
            else height
        picture = to_display(image, own)
        picture = np.pad(picture, ((0, height - own), (0, 0), (0, 0)),
                         constant_values=255)
        band = np.full((CAPTION_HEIGHT, picture.shape[1], 3), 255, np.uint8)
        _put_caption(band, caption)
        panels.append(np.concatenate([band, picture], axis=0))
        panels.append(np.full((panels[-1].shape[0], pad, 3), 255, np.uint8))
    row = np.concatenate(panels[:-1], axis=1)
    return np.pad(row, ((0, pad), (0, 0), (0, 0)), constant_values=255)


def stack_rows(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Rows of different widths, one under the other, on white.

    Args:
        rows (Sequence[np.ndarray]): ``(H_i, W_i, 3)`` uint8 pictures.

    Returns:
        np.ndarray: ``(sum H_i, max W_i, 3)`` uint8.
    """
    width = max(r.shape[1] for r in rows)
    return np.concatenate([
        np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)),
               constant_values=255) for r in rows
    ])


def _put_caption(band: np.ndarray, caption: str) -> None:
    """Write ``caption`` into ``band``, shrinking the font to fit."""
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.4
    while scale > 0.25 and cv2.getTextSize(caption, font, scale,
                                           1)[0][0] > band.shape[1] - 4:
        scale -= 0.05
    cv2.putText(band, caption, (2, CAPTION_HEIGHT - 5), font, scale,
                (0, 0, 0), 1, cv2.LINE_AA)


def _height(image) -> int:
    """Pixel height of a tensor or array image."""
    if isinstance(image, torch.Tensor):
        return int(image.shape[-2])
    return int(image.shape[0])
