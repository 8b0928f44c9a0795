"""The per-scale networks of SinGAN: one generator and one patch critic.

Both are five 3x3 convolutions without padding (Conv-BN-LeakyReLU, then a
plain conv tail). Module names follow mmagic's ``GeneratorBlock`` and
``DiscriminatorBlock`` (mmcv ``ConvModule``: ``head``, ``body.block<i>``,
``tail``), so state dicts move between the two projects unchanged.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule

__all__ = ['scale_width', 'SinGANGeneratorBlock', 'SinGANDiscriminatorBlock',
           'init_singan_weights', 'MultiScaleBlocksMixin']


def scale_width(scale: int, base: int = 32, cap: int = 128) -> int:
    """Feature width at a scale: ``base`` doubling every 4 scales, capped.

    Args:
        scale (int): Scale index, 0 being the coarsest.
        base (int): Width of scales 0-3.
        cap (int): Largest width.

    Returns:
        int: ``min(base * 2 ** (scale // 4), cap)``.
    """
    return min(base * 2**(scale // 4), cap)


def init_singan_weights(module: nn.Module) -> None:
    """The authors' initialisation: conv N(0, 0.02), BN weight N(1, 0.02).

    Args:
        module (nn.Module): Applied with ``module.apply``.

    Returns:
        None
    """
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class _ConvStack(nn.Module):
    """``head -> body.block1..N -> tail``, the shape shared by G and D.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels of the tail.
        width (int): Channels of the head and of the widest body layer.
        min_width (int): Lower bound of the body widths.
        num_layers (int): Convolutions in total (head + body + tail).
        kernel_size (int): Convolution kernel size.
        padding (int): Convolution padding (0: SinGAN pads the input).
        tail_act_cfg (dict, optional): Activation of the tail; ``None``: none.
    """

    def __init__(self, in_channels: int, out_channels: int, width: int,
                 min_width: int, num_layers: int, kernel_size: int,
                 padding: int, tail_act_cfg: Optional[dict]) -> None:
        super().__init__()
        act = dict(type='LeakyReLU', negative_slope=0.2)
        norm = dict(type='BN')
        self.head = ConvModule(in_channels, width, kernel_size,
                               padding=padding, norm_cfg=norm, act_cfg=act)
        self.body = nn.Sequential()
        for i in range(num_layers - 2):
            feat = int(width / 2**(i + 1))
            self.body.add_module(
                f'block{i + 1}',
                ConvModule(max(2 * feat, min_width), max(feat, min_width),
                           kernel_size, padding=padding, norm_cfg=norm,
                           act_cfg=act))
        self.tail = ConvModule(max(feat, min_width), out_channels,
                               kernel_size, padding=padding, norm_cfg=None,
                               act_cfg=tail_act_cfg)
        self.apply(init_singan_weights)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Run the stack: ``(N, C_in, H, W) -> (N, C_out, H-10, W-10)``."""
        return self.tail(self.body(self.head(x)))


class SinGANGeneratorBlock(_ConvStack):
    """Generator of one scale: adds its output to the image from below.

    Args:
        in_channels (int): Image channels.
        out_channels (int): Image channels.
        width (int): Feature width of this scale.
        min_width (int): Lower bound of the body widths.
        num_layers (int): Convolutions in total. Defaults to 5.
        kernel_size (int): Defaults to 3.
        padding (int): Defaults to 0.
        out_act_cfg (dict, optional): Tail activation. Defaults to Tanh.
    """

    def __init__(self, in_channels: int, out_channels: int, width: int,
                 min_width: int, num_layers: int = 5, kernel_size: int = 3,
                 padding: int = 0,
                 out_act_cfg: Optional[dict] = dict(type='Tanh')) -> None:
        super().__init__(in_channels, out_channels, width, min_width,
                         num_layers, kernel_size, padding, out_act_cfg)

    def forward(self, x: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """Generate one scale.

        Args:
            x (torch.Tensor): Padded ``amp * noise + prev``,
                ``(N, C, H + 10, W + 10)``.
            prev (torch.Tensor): Image from below, ``(N, C, H, W)``.

        Returns:
            torch.Tensor: ``prev`` plus the generated detail, ``(N, C, H, W)``.
        """
        return self.features(x) + prev


class SinGANDiscriminatorBlock(_ConvStack):
    """Patch critic of one scale (a 11x11 receptive field).

    Args:
        in_channels (int): Image channels.
        width (int): Feature width of this scale.
        min_width (int): Lower bound of the body widths.
        num_layers (int): Convolutions in total. Defaults to 5.
        kernel_size (int): Defaults to 3.
        padding (int): Defaults to 0.
    """

    def __init__(self, in_channels: int, width: int, min_width: int,
                 num_layers: int = 5, kernel_size: int = 3,
                 padding: int = 0) -> None:
        super().__init__(in_channels, 1, width, min_width, num_layers,
                         kernel_size, padding, None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score patches: ``(N, C, H, W) -> (N, 1, H - 10, W - 10)``."""
        return self.features(x)


class MultiScaleBlocksMixin:
    """What the multi-scale generator and discriminator share.

    The class using it holds its per-scale blocks in ``self.blocks``.
    """

    blocks: nn.ModuleList

    def copy_from_previous(self, scale: int) -> bool:
        """Start ``scale`` from the weights of ``scale - 1`` if shapes match.

        As the authors do when the width did not change between scales.

        Args:
            scale (int): The scale about to be trained.

        Returns:
            bool: Whether weights were copied.
        """
        if scale == 0:
            return False
        src = self.blocks[scale - 1].state_dict()
        dst = self.blocks[scale].state_dict()
        if any(src[k].shape != dst[k].shape for k in dst):
            return False
        self.blocks[scale].load_state_dict(src)
        return True
