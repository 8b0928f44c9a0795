"""The multi-scale patch discriminator: one critic per scale."""
import torch
import torch.nn as nn

from ..registry import MODELS
from .blocks import (MultiScaleBlocksMixin, SinGANDiscriminatorBlock,
                     scale_width)

__all__ = ['SinGANMultiScaleDiscriminator']


@MODELS.register_module()
class SinGANMultiScaleDiscriminator(MultiScaleBlocksMixin, nn.Module):
    """All discriminator blocks of a SinGAN, ``num_scales + 1`` of them.

    Args:
        in_channels (int): Image channels.
        num_scales (int): Index of the finest scale.
        kernel_size (int): Defaults to 3.
        padding (int): Defaults to 0.
        num_layers (int): Defaults to 5.
        base_channels (int): Width of scales 0-3. Defaults to 32.
        min_feat_channels (int): Lower bound of widths. Defaults to 32.
        max_channels (int): Largest width (the paper's 128). 32 or 64 cuts
            the cost of the fine scales 16x or 4x (a speed preset's lever).
    """

    def __init__(self,
                 in_channels: int,
                 num_scales: int,
                 kernel_size: int = 3,
                 padding: int = 0,
                 num_layers: int = 5,
                 base_channels: int = 32,
                 min_feat_channels: int = 32,
                 max_channels: int = 128,
                 **kwargs) -> None:
        super().__init__()
        self.num_scales = num_scales
        self.blocks = nn.ModuleList(
            SinGANDiscriminatorBlock(
                in_channels, scale_width(scale, base_channels, max_channels),
                scale_width(scale, min_feat_channels, max_channels),
                num_layers, kernel_size, padding)
            for scale in range(num_scales + 1))

    def forward(self, x: torch.Tensor, curr_scale: int) -> torch.Tensor:
        """Patch scores of ``x`` by the critic of ``curr_scale``.

        Args:
            x (torch.Tensor): Images ``(N, C, H, W)``.
            curr_scale (int): Scale index.

        Returns:
            torch.Tensor: Scores ``(N, 1, H - 10, W - 10)``.
        """
        return self.blocks[curr_scale](x)
