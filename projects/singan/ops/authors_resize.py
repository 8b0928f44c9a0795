"""The resize between scales of the authors' code (tamarott/SinGAN).

Their ``SinGAN_generate`` and ``draw_concat`` pass the output of a scale to
the next through their ``imresize`` (Assaf Shocher's MATLAB-style resizer)
by ``1 / scale_factor``, then crop it to the next scale's size. That resize
differs from ours (``F.interpolate``, bicubic) in four ways, all reproduced
here:

1. **8 bits.** The image goes to ``uint8`` first: ``255 * (x + 1) / 2``
   clamped to [0, 255] in float32, then truncated (``astype(np.uint8)``).
2. **Their kernel.** Keys' cubic with a = -0.5 (torch's bicubic uses -0.75),
   evaluated at MATLAB's pixel positions, in float64; past the right and
   bottom edges the image is mirrored, and input positions before the
   first pixel get weight 0 (their ``np.uint`` of a negative index wraps
   to ~1.8e19 on x86-64, where the kernel is 0); weights are then
   normalised to sum to 1.
3. **By 1/scale_factor, then cropped.** The output is ``ceil(h /
   scale_factor)`` pixels high, cropped to the next scale's size (top-left),
   rather than resized to it.
4. **Clamped.** Back in float32, ``(y / 255 - 0.5) * 2`` is clamped to
   [-1, 1].

Where ``ceil(h / scale_factor)`` falls short of the size asked for (samples of
other sizes, super-resolution steps), that side is resized straight to the
size with the same kernel, as their ``imresize_to_shape`` does; their
``SinGAN_generate`` instead stretches the zero-padded image bilinearly there.
"""
import math
from typing import Sequence

import torch

__all__ = ['keys_cubic', 'cubic_resize_matrix', 'authors_resize']

#: Input pixels each output pixel reads (kernel width 4, plus one each side).
_TAPS = 6


def keys_cubic(x: torch.Tensor) -> torch.Tensor:
    """Keys' cubic convolution kernel with a = -0.5.

    Args:
        x (torch.Tensor): Distances in pixels, any shape.

    Returns:
        torch.Tensor: Kernel weights, 0 beyond a distance of 2.
    """
    ax = x.abs()
    near = (1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1)
    far = (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))
    return near + far


def cubic_resize_matrix(in_len: int, out_len: int, scale: float,
                        device=None) -> torch.Tensor:
    """The authors' resize of one axis (upscaling) as a matrix.

    Args:
        in_len (int): Input pixels along the axis.
        out_len (int): Output pixels (the first ``out_len`` of the resize).
        scale (float): Output / input length, >= 1.
        device (torch.device, optional): Where to build it.

    Returns:
        torch.Tensor: ``(out_len, in_len)`` float64; row ``i`` holds the
        weights of output pixel ``i``.
    """
    out = torch.arange(1, out_len + 1, dtype=torch.float64, device=device)
    centre = out / scale + 0.5 * (1 - 1 / scale)  # 1-based input position
    first = torch.floor(centre - 2)[:, None] + torch.arange(
        _TAPS, dtype=torch.float64, device=device) - 1  # 0-based, (out, 6)
    weights = keys_cubic(centre[:, None] - first - 1)
    weights = torch.where(first < 0, torch.zeros_like(weights), weights)
    weights = weights / weights.sum(dim=1, keepdim=True)
    index = first.long()
    index = torch.where(index >= in_len, 2 * in_len - 1 - index, index)
    index = index.clamp(0, in_len - 1)  # only where the weight is 0
    matrix = torch.zeros(out_len, in_len, dtype=torch.float64, device=device)
    return matrix.scatter_add_(1, index, weights)


def _axis_matrix(in_len: int, out_len: int, scale_factor: float,
                 device) -> torch.Tensor:
    """By ``1 / scale_factor`` then cropped, or straight to ``out_len``."""
    if math.ceil(in_len * (1 / scale_factor)) >= out_len:
        return cubic_resize_matrix(in_len, out_len, 1 / scale_factor, device)
    return cubic_resize_matrix(in_len, out_len, out_len / in_len, device)


def authors_resize(image: torch.Tensor, size: Sequence[int],
                   scale_factor: float) -> torch.Tensor:
    """The authors' ``imresize(x, 1 / scale_factor)`` cropped to ``size``.

    Args:
        image (torch.Tensor): ``(N, C, h, w)`` in [-1, 1] (values outside
            are clamped, as theirs).
        size (Sequence[int]): ``(H, W)`` of the next scale.
        scale_factor (float): Their ``opt.scale_factor``, the ratio of a
            scale to the next finer one, in (0, 1).

    Returns:
        torch.Tensor: ``(N, C, H, W)`` in [-1, 1], ``image``'s dtype.
    """
    # their torch2uint8: 255 * denorm(x) in float32, truncated to uint8
    levels = torch.floor(255 * ((image.float() + 1) / 2).clamp(0, 1))
    height, width = image.shape[-2:]
    rows = _axis_matrix(height, size[0], scale_factor, image.device)
    cols = _axis_matrix(width, size[1], scale_factor, image.device)
    resized = rows @ levels.double() @ cols.T  # (N, C, H, W), float64
    # their np2torch: / 255 in float64, to float32, then norm (clamped)
    unit = (resized / 255).float()
    return ((unit - 0.5) * 2).clamp(-1, 1).to(image.dtype)
