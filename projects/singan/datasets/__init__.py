"""Dataset and pyramid of SinGAN."""
from ..ops.pyramid import create_real_pyramid
from .singan_dataset import SinGANDataset
from .training_image_dataset import SinGANTestDataset

__all__ = ['SinGANDataset', 'SinGANTestDataset', 'create_real_pyramid']
