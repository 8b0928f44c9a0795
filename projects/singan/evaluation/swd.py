"""Multi-scale sliced Wasserstein distance (SWD) on Laplacian-pyramid patches.

The SWD of Karras et al. (ICLR 2018) with the settings mmagic uses: a
Laplacian pyramid of up to four levels (finest first, levels while the height
is at least 16), 128 random 7x7 patches per image and level, descriptors
normalised per channel within each set, and 4 repeats of 128 random unit
directions. Distances are reported x1e3, as mmagic does.

Note:
    - Patch positions and projection directions come from explicit seeded
      generators, so one call is reproducible; mmagic draws from the global
      random state.
    - Two sets of identical images still differ by the sampling noise of the
      patch positions; that noise floor is what ``swd(x, x)`` reports.
"""
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    'gaussian_kernel', 'laplacian_pyramid', 'pyramid_heights',
    'patch_descriptors', 'sliced_wasserstein', 'multiscale_swd'
]

#: Settings of Karras et al. and mmagic.
PATCH_SIZE = 7
PATCHES_PER_IMAGE = 128
DIR_REPEATS = 4
DIRS_PER_REPEAT = 128
MAX_LEVELS = 4
MIN_HEIGHT = 16


def gaussian_kernel() -> torch.Tensor:
    """The 5x5 binomial blur kernel of the pyramid, ``(1, 1, 5, 5)``."""
    row = torch.tensor([1., 4., 6., 4., 1.])
    return (row[:, None] * row[None, :] / 256.0)[None, None]


def _blur(image: torch.Tensor, stride: int) -> torch.Tensor:
    """Blur each channel with the binomial kernel (stride 2: downsample)."""
    kernel = gaussian_kernel().to(image).repeat(image.shape[1], 1, 1, 1)
    return F.conv2d(image, kernel, padding=2, stride=stride,
                    groups=image.shape[1])


def laplacian_pyramid(images: torch.Tensor,
                      num_levels: int) -> List[torch.Tensor]:
    """Laplacian pyramid, finest level first, the last a Gaussian residual.

    Args:
        images (torch.Tensor): ``(N, C, H, W)``.
        num_levels (int): Number of levels returned (>= 1).

    Returns:
        list[torch.Tensor]: ``num_levels`` tensors, each half the size of
        the one before.
    """
    gaussians = [images]
    for _ in range(num_levels - 1):
        gaussians.append(_blur(gaussians[-1], stride=2))
    levels = []
    for fine, coarse in zip(gaussians[:-1], gaussians[1:]):
        up = _blur(F.interpolate(coarse, scale_factor=2), stride=1)
        levels.append(fine - up[..., :fine.shape[-2], :fine.shape[-1]])
    return levels + [gaussians[-1]]


def pyramid_heights(height: int) -> List[int]:
    """Heights of the levels used for an image ``height`` pixels high."""
    heights = []
    while height >= MIN_HEIGHT and len(heights) < MAX_LEVELS:
        heights.append(height)
        height //= 2
    return heights


def patch_descriptors(level: torch.Tensor, rng: np.random.Generator,
                      patches_per_image: int = PATCHES_PER_IMAGE,
                      patch_size: int = PATCH_SIZE) -> torch.Tensor:
    """Random ``patch_size`` squares of every image of one level.

    Args:
        level (torch.Tensor): ``(N, C, H, W)``.
        rng (numpy.random.Generator): Source of the patch positions.
        patches_per_image (int): Patches drawn per image.
        patch_size (int): Side of a patch (odd).

    Returns:
        torch.Tensor: ``(N * patches_per_image, C, patch_size, patch_size)``.
    """
    n, _, height, width = level.shape
    half = patch_size // 2
    ys = rng.integers(half, height - half, size=n * patches_per_image)
    xs = rng.integers(half, width - half, size=n * patches_per_image)
    offsets = torch.arange(-half, half + 1)
    rows = torch.as_tensor(ys)[:, None] + offsets  # (P, k)
    cols = torch.as_tensor(xs)[:, None] + offsets  # (P, k)
    image = torch.arange(n).repeat_interleave(patches_per_image)
    patches = level[image[:, None, None], :, rows[:, :, None],
                    cols[:, None, :]]  # (P, k, k, C)
    return patches.permute(0, 3, 1, 2).contiguous()


def _normalise(desc: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit std per channel over the set; flatten each patch."""
    desc = desc - desc.mean(dim=(0, 2, 3), keepdim=True)
    desc = desc / desc.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    return desc.reshape(desc.shape[0], -1)


def sliced_wasserstein(desc_a: torch.Tensor, desc_b: torch.Tensor,
                       generator: torch.Generator,
                       dir_repeats: int = DIR_REPEATS,
                       dirs_per_repeat: int = DIRS_PER_REPEAT) -> float:
    """Sliced Wasserstein distance of two equally large sets of vectors.

    Args:
        desc_a (torch.Tensor): ``(P, D)``.
        desc_b (torch.Tensor): ``(P, D)``.
        generator (torch.Generator): Source of the projection directions.
        dir_repeats (int): Number of direction sets.
        dirs_per_repeat (int): Directions per set.

    Returns:
        float: Mean absolute difference of the sorted projections.
    """
    if desc_a.shape != desc_b.shape:
        raise ValueError(f'SWD needs equal sets, got {tuple(desc_a.shape)} '
                         f'and {tuple(desc_b.shape)}.')
    results = []
    for _ in range(dir_repeats):
        dirs = torch.randn(desc_a.shape[1], dirs_per_repeat,
                           generator=generator)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        proj_a = torch.sort(desc_a @ dirs, dim=0).values
        proj_b = torch.sort(desc_b @ dirs, dim=0).values
        results.append((proj_a - proj_b).abs().mean().item())
    return float(np.mean(results))


def multiscale_swd(real: torch.Tensor, fake: torch.Tensor,
                   seed: int = 0,
                   levels: Optional[int] = None) -> Dict[str, float]:
    """SWD (x1e3) per pyramid level between real and fake images.

    Args:
        real (torch.Tensor): ``(1 or N, C, H, W)`` in [-1, 1]; one image is
            repeated to the number of fakes (single-image GANs).
        fake (torch.Tensor): ``(N, C, H, W)`` in [-1, 1], same size.
        seed (int): Seed of patch positions and projection directions.
        levels (int, optional): Levels to use; ``None``: mmagic's rule
            (halve the height while it is >= 16, at most 4).

    Returns:
        dict[str, float]: ``swd_<height>`` per level, finest first, and
        ``swd_avg``.
    """
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f'Real {tuple(real.shape)} and fake '
                         f'{tuple(fake.shape)} images must have the same '
                         'size; sample at the training size.')
    real = real.float().cpu().expand(fake.shape[0], -1, -1, -1)
    fake = fake.float().cpu()
    if real.shape[1] == 1:
        real, fake = real.repeat(1, 3, 1, 1), fake.repeat(1, 3, 1, 1)
    heights = pyramid_heights(real.shape[-2])
    heights = heights[:levels] if levels else heights
    if not heights:
        raise ValueError(f'Images {real.shape[-1]}x{real.shape[-2]} are '
                         f'smaller than the SWD minimum height {MIN_HEIGHT}.')
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    pyr_real = laplacian_pyramid(real, len(heights))
    pyr_fake = laplacian_pyramid(fake, len(heights))
    result = {}
    for height, lev_real, lev_fake in zip(heights, pyr_real, pyr_fake):
        desc_real = _normalise(patch_descriptors(lev_real, rng))
        desc_fake = _normalise(patch_descriptors(lev_fake, rng))
        result[f'swd_{height}'] = 1e3 * sliced_wasserstein(
            desc_real, desc_fake, generator)
    result['swd_avg'] = float(np.mean(list(result.values())))
    return result
