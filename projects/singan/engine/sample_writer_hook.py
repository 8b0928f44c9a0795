"""Writing what ``SinGANTestLoop`` drew: samples, reconstruction, a grid."""
import os.path as osp
from typing import Optional, Sequence

from mmengine.hooks import Hook

from ..fileio.image_io import make_grid, save_image, tensor_to_image
from ..registry import HOOKS

__all__ = ['SinGANTestSamplesHook']


@HOOKS.register_module()
class SinGANTestSamplesHook(Hook):
    """Write ``sample_XX.png``, ``reconstruction.png`` and ``grid.png``.

    Every rank writes its own samples (``prefix``, e.g. ``rank1_``); the
    reconstruction is the same on every rank. Files are written atomically.

    Args:
        out_dir (str): Output folder (created by the caller).
        prefix (str): Prefix of the sample and grid names. Defaults to ''.
        ncols (int): Images per grid row, at most. Defaults to 5.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, prefix: str = '', ncols: int = 5) -> None:
        self.out_dir = out_dir
        self.prefix = prefix
        self.ncols = ncols

    @property
    def grid_path(self) -> str:
        """Where the grid (reconstruction first, then the samples) goes."""
        return osp.join(self.out_dir, f'{self.prefix}grid.png')

    def after_test_iter(self, runner, batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[dict]] = None) -> None:
        """Write the images of the test loop's ``outputs``.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch.
            data_batch (dict, optional): Unused.
            outputs (Sequence[dict]): ``fake_img`` and ``recon_img`` per
                sample, ``(C, H, W)`` in [-1, 1].

        Returns:
            None
        """
        images = [tensor_to_image(outputs[0]['recon_img'])]
        save_image(images[0], osp.join(self.out_dir, 'reconstruction.png'))
        for i, output in enumerate(outputs):
            images.append(tensor_to_image(output['fake_img']))
            save_image(images[-1], osp.join(
                self.out_dir, f'{self.prefix}sample_{i:02d}.png'))
        save_image(make_grid(images, ncols=min(len(images), self.ncols)),
                   self.grid_path)
