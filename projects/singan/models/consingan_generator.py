"""ConSinGAN's growing generator: one network whose body grows by a stage.

A shared head maps the coarsest input (an image or 3-channel noise) to
``features`` channels; each stage is a body of ``num_layers`` unpadded 3x3
convolutions that refines the upsampled features of the stage below plus
noise; a shared tail maps the last features to an image. Features, not
images, pass between stages (Hinz et al., WACV 2021; the authors'
``GrowingGenerator`` in generation mode).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..registry import MODELS

__all__ = ['ConSinGANGenerator', 'conv_lrelu', 'init_conv_weights',
           'upsample_features']


def conv_lrelu(in_channels: int, out_channels: int,
               negative_slope: float = 0.05) -> nn.Sequential:
    """An unpadded 3x3 convolution and a leaky ReLU (no normalisation).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        negative_slope (float): Slope of the leaky ReLU (ConSinGAN: 0.05).

    Returns:
        nn.Sequential: ``conv`` then ``act``; shrinks H and W by 2.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=0),
        nn.LeakyReLU(negative_slope, inplace=True))


def init_conv_weights(module: nn.Module) -> None:
    """The authors' initialisation: conv weights ~ N(0, 0.02).

    Biases keep PyTorch's default, as in the authors' ``weights_init``.

    Args:
        module (nn.Module): Applied with ``module.apply``.

    Returns:
        None
    """
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0.0, 0.02)


def upsample_features(features: torch.Tensor,
                      size: Sequence[int]) -> torch.Tensor:
    """Bicubic resize with ``align_corners=True``, as the authors' upsample.

    Args:
        features (torch.Tensor): ``(N, C, h, w)``.
        size (Sequence[int]): Target ``(H, W)``.

    Returns:
        torch.Tensor: ``(N, C, H, W)``.
    """
    return F.interpolate(features, size=tuple(size), mode='bicubic',
                         align_corners=True)


@MODELS.register_module()
class ConSinGANGenerator(nn.Module):
    """Head, one body stage per scale, tail; features between the stages.

    All ``num_scales + 1`` stages are built at once so that optimizers and
    checkpoints see every parameter from the start; a stage is used once the
    model has started it (:meth:`copy_from_previous` plays the authors'
    ``init_next_stage``, a copy of the stage below).

    Args:
        num_scales (int): Index of the finest stage (stages ``0..num_scales``).
        in_channels (int): Channels of the coarsest input (image or noise).
            Defaults to 3.
        out_channels (int): Image channels. Defaults to 3.
        features (int): Channels of every convolution (ConSinGAN: 64).
        num_layers (int): Convolutions per body stage (ConSinGAN: 3).
        negative_slope (float): Leaky ReLU slope (ConSinGAN: 0.05).
        init_cfg (dict, optional): Unused; weights are initialised as the
            authors' (:func:`init_conv_weights`).

    Note:
        The body stages are ``blocks`` (state-dict keys
        ``generator.blocks.<s>.<layer>.conv.*``), so the tools count the
        stages of a checkpoint as they count SinGAN's scales.
    """

    def __init__(self,
                 num_scales: int,
                 in_channels: int = 3,
                 out_channels: int = 3,
                 features: int = 64,
                 num_layers: int = 3,
                 negative_slope: float = 0.05,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__()
        if not isinstance(num_scales, int) or num_scales < 0:
            raise ValueError(f'num_scales={num_scales!r} must be an integer '
                             '>= 0 (the index of the finest stage; '
                             'ConSinGAN trains 6 stages: num_scales=5).')
        if num_layers < 1:
            raise ValueError(f'num_layers={num_layers} must be >= 1 '
                             '(ConSinGAN uses 3).')
        self.num_scales = num_scales
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.features = features
        self.num_layers = num_layers
        #: Feature upsampling aligns corners, as the authors'; read by
        #: callers that resize images for a model.
        self.align_corners = True
        self.head = conv_lrelu(in_channels, features, negative_slope)
        self.blocks = nn.ModuleList(
            nn.Sequential(*[
                conv_lrelu(features, features, negative_slope)
                for _ in range(num_layers)
            ]) for _ in range(num_scales + 1))
        self.tail = nn.Sequential(
            nn.Conv2d(features, out_channels, kernel_size=3, padding=0),
            nn.Tanh())
        self.apply(init_conv_weights)

    @property
    def shrink(self) -> int:
        """Pixels a body stage removes from each side (1 per convolution)."""
        return self.num_layers

    def noise_shape(self, scale: int,
                    size: Sequence[int]) -> Tuple[int, int, int]:
        """``(C, H, W)`` of the noise of a stage of output size ``size``.

        Args:
            scale (int): The stage.
            size (Sequence[int]): Its output ``(H, W)``.

        Returns:
            tuple: ``(in_channels, H, W)`` at stage 0 (it enters the head);
            ``(features, H + 2 * num_layers, W + 2 * num_layers)`` above (it
            is added to the upsampled features before the body's unpadded
            convolutions).
        """
        if scale == 0:
            return (self.in_channels, *size)
        pad = 2 * self.shrink
        return (self.features, size[0] + pad, size[1] + pad)

    @torch.no_grad()
    def copy_from_previous(self, scale: int) -> None:
        """Start stage ``scale`` as a copy of the stage below (in place).

        Args:
            scale (int): The stage to start; stage 0 keeps its init.

        Returns:
            None
        """
        if scale > 0:
            for dst, src in zip(self.blocks[scale].parameters(),
                                self.blocks[scale - 1].parameters()):
                dst.copy_(src)

    def forward(self,
                noises: Sequence[torch.Tensor],
                sizes: Sequence[Sequence[int]],
                amplitudes: Sequence[float],
                return_all: bool = False
                ) -> Union[torch.Tensor, Tuple[torch.Tensor, List]]:
        """Run stages ``0 .. len(noises) - 1``.

        Args:
            noises (Sequence[torch.Tensor]): Per stage, of the shapes of
                :meth:`noise_shape` with a batch dimension ``N``.
            sizes (Sequence[Sequence[int]]): Output ``(H, W)`` per stage.
            amplitudes (Sequence[float]): Noise amplitude per stage (that of
                stage 0 is not used: its noise enters the head as it is).
            return_all (bool): Also return the image of every stage (the
                tail on that stage's features: what the generator truncated
                there outputs).

        Returns:
            torch.Tensor | tuple: ``(N, out_channels, H, W)`` in [-1, 1] at
            the last stage run; with ``return_all``, ``(image, images)``.
        """
        size0 = sizes[0]
        x = self.head(F.pad(noises[0], [1] * 4))  # (N, F, H0, W0)
        # The authors enlarge the head's output by 2 pixels before padding
        # it (generation mode: more diversity at the image edges).
        x = upsample_features(x, (size0[0] + 2, size0[1] + 2))
        x = F.pad(x, [self.shrink - 1] * 4)  # (N, F, H0 + 2L, W0 + 2L)
        features = self.blocks[0](x)  # (N, F, H0, W0)
        images = [self._to_image(features)] if return_all else []
        for scale in range(1, len(noises)):
            size = sizes[scale]
            pad = 2 * self.shrink
            up = upsample_features(features, size)
            up_padded = upsample_features(features,
                                          (size[0] + pad, size[1] + pad))
            features = self.blocks[scale](
                up_padded + noises[scale] * amplitudes[scale]) + up
            if return_all:
                images.append(self._to_image(features))
        image = images[-1] if return_all else self._to_image(features)
        return (image, images) if return_all else image

    def _to_image(self, features: torch.Tensor) -> torch.Tensor:
        """The tail, on features zero-padded by one pixel."""
        return self.tail(F.pad(features, [1] * 4))
