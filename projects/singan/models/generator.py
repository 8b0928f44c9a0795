"""The multi-scale generator: one block per scale, run coarse to fine."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn

from ..ops.cascade import run_cascade
from ..registry import MODELS
from .blocks import MultiScaleBlocksMixin, SinGANGeneratorBlock, scale_width

__all__ = ['SinGANMultiScaleGenerator']


@MODELS.register_module()
class SinGANMultiScaleGenerator(MultiScaleBlocksMixin, nn.Module):
    """All generator blocks of a SinGAN, ``num_scales + 1`` of them.

    Args:
        in_channels (int): Image channels.
        out_channels (int): Image channels.
        num_scales (int): Index of the finest scale (mmagic's meaning: the
            model holds ``num_scales + 1`` scales).
        kernel_size (int): Convolution kernel size. Defaults to 3.
        padding (int): Convolution padding. Defaults to 0.
        num_layers (int): Convolutions per block. Defaults to 5.
        base_channels (int): Width of scales 0-3. Defaults to 32.
        min_feat_channels (int): Lower bound of widths. Defaults to 32.
        max_channels (int): Largest width (the paper's 128). 32 or 64 cuts
            the cost of the fine scales 16x or 4x (a speed preset's lever).
        out_act_cfg (dict, optional): Tail activation. Defaults to Tanh.
        align_corners (bool): Bicubic upsampling between scales with
            ``align_corners``. ``False`` (ours) matches the authors' resize
            better; ``True`` is what mmagic trained with.

    Note:
        - Widths double every 4 scales and stop at ``max_channels`` (128, as
          the paper's code).
        - Convs followed by BatchNorm have no bias (mmcv ``ConvModule``); the
          authors' have one, which BatchNorm cancels in training.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_scales: int,
                 kernel_size: int = 3,
                 padding: int = 0,
                 num_layers: int = 5,
                 base_channels: int = 32,
                 min_feat_channels: int = 32,
                 max_channels: int = 128,
                 out_act_cfg: Optional[dict] = dict(type='Tanh'),
                 align_corners: bool = False,
                 **kwargs) -> None:
        super().__init__()
        self.num_scales = num_scales
        self.align_corners = align_corners
        self.out_channels = out_channels
        self.blocks = nn.ModuleList()
        for scale in range(num_scales + 1):
            self.blocks.append(
                SinGANGeneratorBlock(
                    in_channels, out_channels,
                    scale_width(scale, base_channels, max_channels),
                    scale_width(scale, min_feat_channels, max_channels),
                    num_layers,
                    kernel_size, padding, out_act_cfg))

    def forward(self,
                fixed_noises: Sequence[torch.Tensor],
                noise_weights: Sequence[float],
                rand_mode: str = 'rand',
                curr_scale: int = -1,
                num_batches: int = 1,
                sizes: Optional[Sequence[Sequence[int]]] = None
                ) -> torch.Tensor:
        """Generate an image at ``curr_scale``.

        Args:
            fixed_noises (Sequence[torch.Tensor]): Reconstruction noise per
                scale; their sizes are the scale sizes unless ``sizes`` is set.
            noise_weights (Sequence[float]): Noise amplitude per scale.
            rand_mode (str): ``'rand'`` draws new noise (samples); ``'recon'``
                uses ``fixed_noises`` (the reconstruction).
            curr_scale (int): Last scale to run; -1: the finest.
            num_batches (int): Samples to draw in ``'rand'`` mode.
            sizes (Sequence, optional): ``(H, W)`` per scale for samples of
                another size. ``None``: the sizes of ``fixed_noises``.

        Returns:
            torch.Tensor: Images ``(N, C, H, W)`` in [-1, 1].
        """
        if rand_mode not in ('rand', 'recon'):
            raise ValueError(
                f"rand_mode={rand_mode!r}: use 'rand' or 'recon'.")
        last = len(self.blocks) - 1 if curr_scale < 0 else curr_scale
        if sizes is None:
            sizes = [tuple(n.shape[-2:]) for n in fixed_noises[:last + 1]]
        noises: List[Optional[torch.Tensor]] = [None] * (last + 1)
        if rand_mode == 'recon':
            noises = list(fixed_noises[:last + 1])
            num_batches = noises[0].shape[0]
        return run_cascade(
            self.blocks[:last + 1], noises, noise_weights, sizes,
            num=num_batches, align_corners=self.align_corners)

