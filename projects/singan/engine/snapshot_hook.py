"""A picture of every finished scale: real | reconstruction | samples."""
import os.path as osp

import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..fileio.image_io import make_grid, save_image, tensor_to_image
from ..registry import HOOKS
from .progress_file_hook import SNAPSHOT_INFO

__all__ = ['SinGANSnapshotHook']


@HOOKS.register_module()
class SinGANSnapshotHook(Hook):
    """After each scale, show the real image, its reconstruction, samples.

    The grid goes to the Runner's visualizer (``add_image``, so TensorBoard
    or W&B backends show it too) and to ``work_dir/snapshot_dir/scale_N.png``.
    The samples use a random source seeded by the scale, so the training's
    random state is untouched. The PNG's path is left on the message hub
    (``singan_snapshot``) for ``ProgressFileHook``.

    Args:
        snapshot_dir (str): Folder under the work dir for the PNGs.
        num_samples (int): Random samples in each snapshot.
    """

    priority = 'LOW'

    def __init__(self, snapshot_dir: str = 'snapshots',
                 num_samples: int = 4) -> None:
        if not isinstance(num_samples, int) or num_samples < 0:
            raise ValueError(f'num_samples={num_samples!r} must be an '
                             'integer >= 0.')
        self.snapshot_dir = snapshot_dir
        self.num_samples = num_samples

    @master_only
    def after_train_scale(self, runner, scale: int,
                          real: torch.Tensor) -> None:
        """Write the snapshot of the scale that just finished.

        Args:
            runner (Runner): The runner.
            scale (int): The finished scale.
            real (torch.Tensor): Its real image, ``(1, C, H, W)``.

        Returns:
            None
        """
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        rng = torch.Generator(device=real.device)
        rng.manual_seed(scale)
        images = [tensor_to_image(real[0]),
                  tensor_to_image(model.reconstruct()[0])]
        if self.num_samples:
            images += [tensor_to_image(s) for s in
                       model.sample(self.num_samples, generator=rng)]
        grid = make_grid(images, ncols=len(images))
        path = osp.join(runner.work_dir, self.snapshot_dir,
                        f'scale_{scale}.png')
        save_image(grid, path)
        runner.message_hub.update_info(SNAPSHOT_INFO, osp.abspath(path),
                                       resumed=False)
        runner.visualizer.add_image(f'scale_{scale}', grid,
                                    step=runner.iter)
        runner.logger.info(f'Scale {scale} done; snapshot (real | '
                           f'reconstruction | samples): {path}')

