"""The sample-quality measures as mmengine metrics (``singan.METRICS``).

Each metric collects data samples, dicts holding ``fake_img`` (a sample,
``(C, H, W)`` in [-1, 1]) and ``gt_img`` (the training image at the same
size), and computes its measure over all of them in ``compute_metrics``.
``ReconstructionRMSE`` reads ``recon_img`` instead of ``fake_img``. Build
them through ``mmengine.evaluator.Evaluator`` as ``tools/evaluate.py`` does::

    evaluator = Evaluator([dict(type='SinGANSWD'),
                           dict(type='PixelDiversity')])
    evaluator.process([dict(fake_img=s, gt_img=real) for s in samples])
    evaluator.evaluate(len(samples))
"""
import os.path as osp
from typing import List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from ..registry import METRICS
from .diversity import pixel_diversity, reconstruction_rmse
from .patch_copy import patch_copy_stats
from .sifid import load_inception_stem, sifid
from .swd import multiscale_swd

__all__ = ['SinGANSWD', 'PixelDiversity', 'ReconstructionRMSE', 'SIFID',
           'PatchCopy']


class _SampleMetric(BaseMetric):
    """Collects ``(image, gt_img)`` pairs of the data samples."""

    image_key = 'fake_img'
    #: Samples the measure needs (over all ranks); the test loop leaves a
    #: metric out when fewer are drawn.
    min_samples = 1

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the images of each data sample on the CPU."""
        for sample in data_samples:
            self.results.append((sample[self.image_key].detach().cpu(),
                                 sample['gt_img'].detach().cpu()))

    def _stacked(self, results: List[tuple]):
        """``(images (N, C, H, W), real (1, C, H, W))``."""
        images = torch.stack([r[0] for r in results])
        return images, results[0][1][None]


@METRICS.register_module()
class SinGANSWD(_SampleMetric):
    """Multi-scale SWD (x1e3) of samples against the training image.

    Args:
        seed (int): Seed of patch positions and projections.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix = ''

    def __init__(self, seed: int = 0, prefix: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(prefix=prefix, **kwargs)
        self.seed = seed

    def compute_metrics(self, results: list) -> dict:
        """``swd_<height>`` per level and ``swd_avg``."""
        fakes, real = self._stacked(results)
        return multiscale_swd(real, fakes, seed=self.seed)


@METRICS.register_module()
class PixelDiversity(_SampleMetric):
    """Per-pixel std over samples / std of the image (SinGAN paper)."""

    default_prefix = ''
    min_samples = 2

    def compute_metrics(self, results: list) -> dict:
        """``diversity``."""
        fakes, real = self._stacked(results)
        return dict(diversity=pixel_diversity(fakes, real))


@METRICS.register_module()
class ReconstructionRMSE(_SampleMetric):
    """RMSE of ``recon_img`` against ``gt_img``, in [-1, 1] units."""

    image_key = 'recon_img'
    default_prefix = ''

    def compute_metrics(self, results: list) -> dict:
        """``recon_rmse`` (mean over the collected reconstructions)."""
        values = [reconstruction_rmse(r[0][None], r[1][None]) for r in results]
        return dict(recon_rmse=sum(values) / len(values))


@METRICS.register_module()
class SIFID(_SampleMetric):
    """SIFID with Inception weights from a local file (never downloaded).

    Args:
        inception_path (str, optional): torchvision or pytorch-fid
            Inception-v3 ``.pth``. ``None`` or a missing file: the metric
            reports ``sifid_unavailable`` and logs why.
        dims (int): 64 (the authors' script) or 192 (the paper's text).
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix = ''

    def __init__(self, inception_path: Optional[str] = None, dims: int = 64,
                 prefix: Optional[str] = None, **kwargs) -> None:
        super().__init__(prefix=prefix, **kwargs)
        self.inception_path = inception_path
        self.dims = dims

    def compute_metrics(self, results: list) -> dict:
        """``sifid``, ``sifid_std``, ``sifid_dims`` or ``sifid_unavailable``.

        Args:
            results (list): The collected ``(image, gt_img)`` pairs.

        Returns:
            dict: The metric values.
        """
        path = self.inception_path
        if not path or not osp.isfile(path):
            print(f'SIFID unavailable: no Inception-v3 weights file '
                  f'(inception_path={path!r}); pass a local torchvision or '
                  'pytorch-fid .pth, it is never downloaded.')
            return dict(sifid_unavailable=1.0)
        stem, sha = load_inception_stem(path, self.dims)
        print(f'SIFID: Inception weights {path} sha256={sha}, features of '
              f'{self.dims} channels.')
        fakes, real = self._stacked(results)
        return dict(sifid(stem, real, fakes), sifid_dims=float(self.dims))


@METRICS.register_module()
class PatchCopy(_SampleMetric):
    """Nearest-neighbour patch distance of samples to the training image.

    Args:
        patch_size (int): Side of the square patches. Defaults to 7.
        copy_rmse (float): Distance under which a patch counts as copied.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix = ''

    def __init__(self, patch_size: int = 7, copy_rmse: float = 0.02,
                 prefix: Optional[str] = None, **kwargs) -> None:
        super().__init__(prefix=prefix, **kwargs)
        self.patch_size = patch_size
        self.copy_rmse = copy_rmse

    def compute_metrics(self, results: list) -> dict:
        """``patch_nn_rmse`` and ``patch_copy_fraction``."""
        fakes, real = self._stacked(results)
        return patch_copy_stats(fakes, real, self.patch_size, self.copy_rmse)
