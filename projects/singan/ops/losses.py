"""Losses of one SinGAN scale: WGAN-GP and the reconstruction loss."""
from typing import Callable

import torch
import torch.nn.functional as F

__all__ = ['gradient_penalty', 'reconstruction_loss']


def gradient_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor],
                     real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP penalty on points between the real and the fake image.

    One mixing weight per sample, and the gradient norm taken over the
    colour channels of each pixel, as the authors and mmagic do.

    Args:
        discriminator (Callable): Maps ``(N, C, H, W)`` to patch scores.
        real (torch.Tensor): Real images ``(N, C, H, W)``.
        fake (torch.Tensor): Generated images ``(N, C, H, W)``, detached.

    Returns:
        torch.Tensor: Scalar ``mean((|grad|_2 - 1)^2)``, not yet weighted.
    """
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = discriminator(mixed)
    grads, = torch.autograd.grad(
        outputs=scores.sum(), inputs=mixed, create_graph=True)
    return ((grads.norm(2, dim=1) - 1)**2).mean()


def reconstruction_loss(reconstruction: torch.Tensor,
                        real: torch.Tensor) -> torch.Tensor:
    """Mean squared error between the reconstruction and the real image.

    Args:
        reconstruction (torch.Tensor): ``(1, C, H, W)``.
        real (torch.Tensor): ``(1, C, H, W)``.

    Returns:
        torch.Tensor: Scalar MSE, not yet weighted.
    """
    return F.mse_loss(reconstruction, real)
