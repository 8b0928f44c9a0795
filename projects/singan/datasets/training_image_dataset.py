"""What ``tools/test.py`` iterates over: the training image, once."""
from typing import Dict, Optional

import torch
from torch.utils.data import Dataset

from ..registry import DATASETS

__all__ = ['SinGANTestDataset']


@DATASETS.register_module()
class SinGANTestDataset(Dataset):
    """One item: the training image's pyramid, or nothing (samples only).

    The test loop draws the samples itself; the image is only what the
    metrics compare them with, so without metrics it is not read at all (a
    trained model samples without its training image).

    Args:
        image (dict, optional): Config of the ``SinGANDataset`` the model
            was trained on (``train_dataloader.dataset``). ``None``: serve an
            empty item.
    """

    def __init__(self, image: Optional[dict] = None) -> None:
        super().__init__()
        self.image = None if image is None else DATASETS.build(
            dict(image, num_samples=1))

    @property
    def metainfo(self) -> dict:
        """The image's path and pyramid sizes (empty without an image)."""
        return {} if self.image is None else self.image.metainfo

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        """``real_scale{i}`` tensors ``(3, H_i, W_i)`` in [-1, 1], or ``{}``."""
        return {} if self.image is None else self.image[0]
