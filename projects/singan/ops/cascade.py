"""Running a stack of trained scales: samples, reconstructions, injection.

These functions take the per-scale generator blocks and plain tensors, so the
model, the applications and the tests share one implementation of the
coarse-to-fine pass.
"""
from typing import Callable, Mapping, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .authors_resize import authors_resize
from .noise import PAD

__all__ = ['AUTHORS_RESIZE', 'authors_resize_setting', 'upsample',
           'generate_at_scale', 'run_cascade']

#: ``mode`` of the resize setting of models imported from the authors' code.
AUTHORS_RESIZE = 'authors'
#: What ``align_corners`` may hold: a bicubic flag or an authors' setting.
Resize = Union[bool, Mapping]

#: One generator block: ``block(padded_input, prev) -> image``.
Block = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def authors_resize_setting(scale_factor: float) -> dict:
    """The resize setting of a model trained by the authors' code.

    Stored as the generator's ``align_corners`` of an imported model (see
    ``interop/authors.py``), so that every resize between scales, in the
    model and in the applications, is theirs.

    Args:
        scale_factor (float): Their ``opt.scale_factor``, in (0, 1).

    Returns:
        dict: ``dict(mode='authors', scale_factor=...)``.
    """
    return dict(mode=AUTHORS_RESIZE, scale_factor=float(scale_factor))


def _authors_scale_factor(setting: Mapping) -> float:
    """The scale factor of an authors' resize setting, checked."""
    factor = setting.get('scale_factor')
    if setting.get('mode') != AUTHORS_RESIZE or isinstance(factor, bool) \
            or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(
            f'Resize setting {dict(setting)!r}: expected '
            f"dict(mode='{AUTHORS_RESIZE}', scale_factor=F) with F in (0, 1)"
            ' (as tools/import_authors.py writes it), or a bool '
            '(align_corners of the bicubic resize).')
    return float(factor)


def upsample(image: torch.Tensor, size: Sequence[int],
             align_corners: Resize = False) -> torch.Tensor:
    """Upsampling of an image to the size of the next scale.

    Args:
        image (torch.Tensor): ``(N, C, h, w)``.
        size (Sequence[int]): Target ``(H, W)``.
        align_corners (bool | Mapping): Bicubic (``F.interpolate``) with
            ``align_corners``: ``False`` for models trained here, ``True``
            for models trained by mmagic, which used it. A mapping
            (:func:`authors_resize_setting`) selects the authors' resize
            (``ops.authors_resize``) of imported models.

    Returns:
        torch.Tensor: ``(N, C, H, W)``.
    """
    if isinstance(align_corners, Mapping):
        return authors_resize(image, size,
                              _authors_scale_factor(align_corners))
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
                align_corners: Resize = False,
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
