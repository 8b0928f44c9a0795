"""ConSinGAN's discriminator: one patch critic shared by every stage."""
from typing import Optional

import torch
import torch.nn as nn

from ..registry import MODELS
from .consingan_generator import conv_lrelu, init_conv_weights

__all__ = ['ConSinGANDiscriminator']


@MODELS.register_module()
class ConSinGANDiscriminator(nn.Module):
    """Head, ``num_layers`` body convolutions, a 1-channel tail, unpadded.

    Fully convolutional, so the one network scores every stage; the authors
    start each stage's discriminator from the weights it ended the stage
    below with, which is the same as keeping one network.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        features (int): Channels of every convolution (ConSinGAN: 64).
        num_layers (int): Body convolutions (ConSinGAN: 3).
        negative_slope (float): Leaky ReLU slope (ConSinGAN: 0.05).
        num_scales (int, optional): Not used (one network for all stages);
            accepted because the config copies ``num_scales`` to both
            networks.
        init_cfg (dict, optional): Unused; weights are initialised as the
            authors'.
    """

    def __init__(self,
                 in_channels: int = 3,
                 features: int = 64,
                 num_layers: int = 3,
                 negative_slope: float = 0.05,
                 num_scales: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.head = conv_lrelu(in_channels, features, negative_slope)
        self.body = nn.Sequential(*[
            conv_lrelu(features, features, negative_slope)
            for _ in range(num_layers)
        ])
        self.tail = nn.Conv2d(features, 1, kernel_size=3, padding=0)
        self.apply(init_conv_weights)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Patch scores.

        Args:
            image (torch.Tensor): ``(N, C, H, W)``.

        Returns:
            torch.Tensor: ``(N, 1, H - 2(L + 2), W - 2(L + 2))`` for
            ``L = num_layers``.
        """
        return self.tail(self.body(self.head(image)))
