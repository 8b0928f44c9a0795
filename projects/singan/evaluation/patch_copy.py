"""Nearest-neighbour patch distance: do samples copy the training image?

SWD compares patch distributions and cannot tell a sample that pastes
large pieces of the training image from one that makes new arrangements,
nor a smeared object from a sharp one. This measure looks at each patch of
a sample and finds the closest patch of the training image (any position):

- a mean distance far below the reference model's means the samples copy
  more of the image verbatim;
- far above it means patches that the image does not have (smear,
  artefacts).
"""
from typing import Dict

import torch
import torch.nn.functional as F

__all__ = ['nearest_patch_distances', 'patch_copy_stats']


def _patches(images: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """``(N * L, C * size * size)`` patches of ``(N, C, H, W)`` images."""
    cols = F.unfold(images.double(), kernel_size=size, stride=stride)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])


def nearest_patch_distances(samples: torch.Tensor,
                            real: torch.Tensor,
                            patch_size: int = 7,
                            stride: int = 3,
                            chunk: int = 2048) -> torch.Tensor:
    """RMSE of every sample patch to its nearest patch of the real image.

    Args:
        samples (torch.Tensor): ``(N, C, H, W)`` in [-1, 1].
        real (torch.Tensor): ``(1, C, H', W')`` or ``(C, H', W')``, the
            training image at the samples' scale (any size >= patch_size).
        patch_size (int): Side of the square patches.
        stride (int): Step between the sample patches (the real image's
            patches are taken at every position).
        chunk (int): Sample patches compared at once (bounds memory).

    Returns:
        torch.Tensor: ``(N * L,)`` float64, per patch the root mean squared
        difference to the closest real patch, in [-1, 1] units.
    """
    real = real if real.dim() == 4 else real[None]
    if min(samples.shape[-2:]) < patch_size or \
            min(real.shape[-2:]) < patch_size:
        raise ValueError(f'patch_size={patch_size} is larger than the '
                         f'images ({tuple(samples.shape[-2:])}, '
                         f'{tuple(real.shape[-2:])}).')
    bank = _patches(real, patch_size, 1)            # (Lr, D)
    queries = _patches(samples, patch_size, stride)  # (N * L, D)
    nearest = torch.cat([
        torch.cdist(q, bank).min(dim=1).values
        for q in queries.split(chunk)
    ])
    return nearest / bank.shape[1]**0.5


def patch_copy_stats(samples: torch.Tensor,
                     real: torch.Tensor,
                     patch_size: int = 7,
                     copy_rmse: float = 0.02) -> Dict[str, float]:
    """Summary of :func:`nearest_patch_distances`.

    Args:
        samples (torch.Tensor): ``(N, C, H, W)`` in [-1, 1].
        real (torch.Tensor): The training image, ``(1, C, H', W')``.
        patch_size (int): Side of the square patches.
        copy_rmse (float): A patch closer than this to a real patch counts
            as copied (0.02 is about 2.5 grey levels of 255).

    Returns:
        dict: ``patch_nn_rmse`` (mean distance) and ``patch_copy_fraction``
        (share of patches under ``copy_rmse``).
    """
    dist = nearest_patch_distances(samples, real, patch_size)
    return dict(patch_nn_rmse=float(dist.mean()),
                patch_copy_fraction=float((dist < copy_rmse).double().mean()))
