"""Dataset and pyramid of SinGAN."""
from ..ops.pyramid import create_real_pyramid
from .singan_dataset import SinGANDataset

__all__ = ['SinGANDataset', 'create_real_pyramid']
