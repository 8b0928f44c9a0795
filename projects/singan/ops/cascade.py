"""Running a stack of trained scales: samples, reconstructions, injection.

These functions take the per-scale generator blocks and plain tensors, so the
model, the applications and the tests share one implementation of the
coarse-to-fine pass.
"""
from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F

from .noise import PAD

__all__ = ['upsample', 'generate_at_scale', 'run_cascade']

#: One generator block: ``block(padded_input, prev) -> image``.
Block = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def upsample(image: torch.Tensor, size: Sequence[int],
             align_corners: bool = False) -> torch.Tensor:
    """Bicubic upsampling of an image to the size of the next scale.

    Args:
        image (torch.Tensor): ``(N, C, h, w)``.
        size (Sequence[int]): Target ``(H, W)``.
        align_corners (bool): ``False`` for models trained here; ``True`` for
            models trained by mmagic, which used it.

    Returns:
        torch.Tensor: ``(N, C, H, W)``.
    """
    return F.interpolate(
        image, size=tuple(size), mode='bicubic', align_corners=align_corners)


def generate_at_scale(block: Block, noise: torch.Tensor, prev: torch.Tensor,
                      amplitude: float) -> torch.Tensor:
    """One scale of the paper's Eq. 1: ``G(amp * z + prev) + prev``.

    Args:
        block (Block): Generator of this scale.
        noise (torch.Tensor): ``(N, 1 or C, H, W)``, unpadded.
        prev (torch.Tensor): Upsampled image from below, ``(N, C, H, W)``.
        amplitude (float): Noise amplitude of this scale.

    Returns:
        torch.Tensor: ``(N, C, H, W)``.
    """
    padded = F.pad(noise * amplitude + prev, [PAD] * 4)  # (N, C, H+10, W+10)
    return block(padded, prev)


def run_cascade(blocks: Sequence[Block],
                noises: Sequence[Optional[torch.Tensor]],
                amplitudes: Sequence[float],
                sizes: Sequence[Sequence[int]],
                start_image: Optional[torch.Tensor] = None,
                start_scale: int = 0,
                num: int = 1,
                align_corners: bool = False,
                return_all: bool = False):
    """Generate from ``start_scale`` up to the last of ``blocks``.

    Args:
        blocks (Sequence[Block]): Generator blocks, coarsest first; the pass
            ends at ``len(blocks) - 1``.
        noises (Sequence[torch.Tensor | None]): Noise per scale. ``None`` at a
            scale draws fresh standard normal noise there.
        amplitudes (Sequence[float]): Noise amplitude per scale.
        sizes (Sequence[Sequence[int]]): ``(H, W)`` per scale; may differ
            from the training sizes (arbitrary-size samples).
        start_image (torch.Tensor, optional): Image injected at
            ``start_scale`` as its input from below, ``(N, C, H, W)`` at that
            scale's size. ``None``: zeros (plain sampling from scale 0).
        start_scale (int): First scale to run.
        num (int): Number of samples when ``start_image`` is ``None``.
        align_corners (bool): See :func:`upsample`.
        return_all (bool): Also return the output of every scale.

    Returns:
        torch.Tensor | tuple: The finest output ``(N, C, H, W)``; with
        ``return_all``, ``(output, list_of_outputs_per_scale)``.
    """
    if start_image is None:
        prev = torch.zeros(num, 3, *sizes[start_scale])
        if len(noises) and noises[start_scale] is not None:
            prev = prev.to(noises[start_scale])
        else:
            prev = prev.to(next(_params(blocks[start_scale]), prev))
    else:
        prev = start_image
    outputs = []
    for scale in range(start_scale, len(blocks)):
        if scale > start_scale:
            prev = upsample(outputs[-1], sizes[scale], align_corners)
        noise = noises[scale] if scale < len(noises) else None
        if noise is None:
            channels = 1 if scale == 0 else prev.shape[1]
            noise = torch.randn(prev.shape[0], channels, *sizes[scale],
                                device=prev.device, dtype=prev.dtype)
        outputs.append(
            generate_at_scale(blocks[scale], noise, prev, amplitudes[scale]))
    return (outputs[-1], outputs) if return_all else outputs[-1]


def _params(block):
    """Parameters of a block if it is a module, else nothing."""
    return iter(block.parameters()) if hasattr(block, 'parameters') else iter(
        ())
