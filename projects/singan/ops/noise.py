"""Noise of SinGAN: drawing it, and the amplitude it gets at each scale."""
from typing import Optional, Sequence

import torch

__all__ = ['draw_noise', 'noise_amplitude', 'noise_channels', 'PAD']

#: Zero padding added around noise and image before a generator, so that its
#: five unpadded 3x3 convolutions return the input size (5 = 5 x (3 - 1) / 2).
PAD = 5


def noise_channels(scale: int, image_channels: int = 3) -> int:
    """Channels of the noise at a scale.

    Args:
        scale (int): 0 is the coarsest.
        image_channels (int): Channels of the image. Defaults to 3.

    Returns:
        int: 1 at the coarsest scale (the same noise broadcast over the
        colour channels, as the authors do), else ``image_channels``.
    """
    return 1 if scale == 0 else image_channels


def draw_noise(num: int,
               channels: int,
               size: Sequence[int],
               device: Optional[torch.device] = None,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Standard normal noise for one scale.

    Args:
        num (int): Number of samples ``N``.
        channels (int): 1 at the coarsest scale (the same noise is broadcast
            over the colour channels, as the authors do), else 3.
        size (Sequence[int]): ``(height, width)`` of the scale.
        device (torch.device, optional): Where to draw. ``None``: CPU.
        generator (torch.Generator, optional): Random source; ``None`` uses
            torch's global one.

    Returns:
        torch.Tensor: Noise of shape ``(N, channels, H, W)``.
    """
    return torch.randn(
        num, channels, *size, device=device, generator=generator)


def noise_amplitude(real: torch.Tensor, reconstruction: torch.Tensor,
                    noise_weight_init: float = 0.1) -> float:
    """Amplitude of the noise injected at a scale (the paper's sigma_n).

    Args:
        real (torch.Tensor): Real image at this scale, ``(1, C, H, W)``.
        reconstruction (torch.Tensor): Reconstruction from the coarser
            scales, upsampled to this scale, ``(1, C, H, W)``.
        noise_weight_init (float): Factor on the RMSE (0.1 in the paper).

    Returns:
        float: ``noise_weight_init * RMSE(real, reconstruction)``.
    """
    mse = torch.mean((real.float() - reconstruction.float())**2)
    return float(noise_weight_init * torch.sqrt(mse))
