"""Pixel diversity of samples and the reconstruction error of SinGAN."""
import torch

__all__ = ['pixel_diversity', 'reconstruction_rmse']


def pixel_diversity(samples: torch.Tensor, real: torch.Tensor) -> float:
    """The SinGAN paper's diversity measure (Sec. 4, Table 1).

    The standard deviation over the samples of each pixel's value, averaged
    over all pixels and channels, divided by the standard deviation of the
    training image's values.

    Args:
        samples (torch.Tensor): ``(N, C, H, W)``, N >= 2.
        real (torch.Tensor): ``(1, C, H, W)`` or ``(C, H, W)``.

    Returns:
        float: 0 for identical samples; about 1 when samples vary as much
        per pixel as the image varies over its pixels.
    """
    if samples.shape[0] < 2:
        raise ValueError(f'Diversity needs at least 2 samples, got '
                         f'{samples.shape[0]}.')
    per_pixel = samples.double().std(dim=0, unbiased=False)  # (C, H, W)
    return float(per_pixel.mean() / real.double().std(unbiased=False))


def reconstruction_rmse(reconstruction: torch.Tensor,
                        real: torch.Tensor) -> float:
    """Root mean squared error of the reconstruction, in [-1, 1] units.

    Args:
        reconstruction (torch.Tensor): ``(1, C, H, W)``.
        real (torch.Tensor): Same shape.

    Returns:
        float: ``sqrt(mean((reconstruction - real)^2))``.
    """
    if reconstruction.shape != real.shape:
        raise ValueError(f'Reconstruction {tuple(reconstruction.shape)} and '
                         f'image {tuple(real.shape)} differ in shape.')
    diff = reconstruction.double() - real.double()
    return float(diff.pow(2).mean().sqrt())
