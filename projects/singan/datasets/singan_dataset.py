"""The dataset of SinGAN: one image, served as its pyramid of scales."""
import os
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.logging import print_log
from torch.utils.data import Dataset

from .. import paper
from ..fileio.image_io import read_image, to_unit_range
from ..ops.consingan_pyramid import CONSINGAN_STAGES, create_consingan_pyramid
from ..ops.pyramid import create_real_pyramid, pyramid_of_sizes
from ..registry import DATASETS

__all__ = ['SinGANDataset', 'PYRAMIDS']

#: ``pyramid`` values: SinGAN's (ratio between scales) or ConSinGAN's (a
#: number of stages, denser at low resolution).
PYRAMIDS = ('singan', 'consingan')


@DATASETS.register_module()
class SinGANDataset(Dataset):
    """One training image as a pyramid ``real_scale0`` (coarsest) ... ``N``.

    The pyramid is built once, when the dataset is built, so a bad image or
    bad settings stop the run before any training starts.

    Args:
        data_root (str): Path of the image file (mmagic's key name). RGB,
            grey, RGBA (alpha dropped), palette and 16-bit files load.
        min_size (int): Short side of the coarsest scale. Defaults to 25.
        max_size (int): Cap of the long side of the finest scale.
            Defaults to 250.
        scale_factor_init (float): Wanted ratio between scales.
            Defaults to 0.75.
        pipeline (Sequence[dict], optional): Accepted for mmagic configs and
            not used: the pyramid is served as tensors directly.
        num_samples (int): Length reported to the sampler. Defaults to 1.
        pyramid (str): ``'singan'`` (``scale_factor_init`` sets the ratio
            between scales) or ``'consingan'`` (``num_stages`` stages, the
            authors' ``create_reals_pyramid``; ``scale_factor_init`` is not
            used). Defaults to ``'singan'``.
        num_stages (int, optional): Stages of the ``'consingan'`` pyramid;
            ``None``: ConSinGAN's 6. Must be ``None`` with ``'singan'``.
        sizes (Sequence, optional): ``(H, W)`` per scale, coarsest first:
            the pyramid of a model imported from elsewhere (the authors'
            ``reals.pth``), the image resized to each; ``min_size`` and
            ``scale_factor_init`` are then not used. ``None``: derived.

    Returns of ``__getitem__``:
        dict: ``real_scale{i}`` -> ``(3, H_i, W_i)`` float tensors in [-1, 1],
        RGB, for ``i`` in ``0..stop_scale``.
    """

    def __init__(self,
                 data_root: str,
                 min_size: int = paper.MIN_SIZE,
                 max_size: int = paper.MAX_SIZE,
                 scale_factor_init: float = paper.SCALE_FACTOR,
                 pipeline: Optional[Sequence[dict]] = None,
                 num_samples: int = 1,
                 pyramid: str = 'singan',
                 num_stages: Optional[int] = None,
                 sizes: Optional[Sequence[Sequence[int]]] = None,
                 **kwargs) -> None:
        super().__init__()
        self.data_root = os.fspath(data_root)
        image = read_image(self.data_root)
        height, width = image.shape[:2]
        if max(height, width) > max_size:
            print_log(
                f'{self.data_root} is {width}x{height}; scaled down so its '
                f'long side is max_size={max_size}.', logger='current')
        if pyramid not in PYRAMIDS:
            raise ValueError(f'pyramid={pyramid!r}: use one of {PYRAMIDS}.')
        if sizes is not None and (pyramid != 'singan' or num_stages):
            raise ValueError(
                f'sizes={sizes} gives the pyramid itself; it cannot be '
                f"combined with pyramid={pyramid!r}, num_stages="
                f'{num_stages}. Drop one of them.')
        if sizes is not None:
            reals, self.scale_factor, self.stop_scale = pyramid_of_sizes(
                image, sizes)
        elif pyramid == 'consingan':
            reals, self.scale_factor, self.stop_scale = \
                create_consingan_pyramid(
                    image, CONSINGAN_STAGES if num_stages is None else
                    num_stages, min_size, max_size)
        elif num_stages is not None:
            raise ValueError(
                f"num_stages={num_stages} needs pyramid='consingan'; "
                "SinGAN's pyramid follows scale_factor_init.")
        else:
            reals, self.scale_factor, self.stop_scale = create_real_pyramid(
                image, min_size, max_size, scale_factor_init)
        self.reals: List[torch.Tensor] = [
            torch.from_numpy(to_unit_range(r, image.dtype)).permute(2, 0, 1)
            for r in reals
        ]
        self.num_samples = max(int(num_samples), 1)

    @property
    def num_scales(self) -> int:
        """Index of the finest scale (mmagic's ``num_scales``)."""
        return self.stop_scale

    @property
    def metainfo(self) -> dict:
        """Image path and pyramid sizes, saved in checkpoints."""
        return dict(
            data_root=self.data_root,
            sizes=[tuple(r.shape[-2:]) for r in self.reals],
            scale_factor=float(self.scale_factor))

    def pyramid(self) -> List[torch.Tensor]:
        """The real images, ``(1, 3, H_i, W_i)`` each, coarsest first."""
        return [r[None] for r in self.reals]

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        return {f'real_scale{i}': r for i, r in enumerate(self.reals)}
