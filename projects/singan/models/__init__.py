"""Networks and the SinGAN model."""
from .blocks import (SinGANDiscriminatorBlock, SinGANGeneratorBlock,
                     scale_width)
from .discriminator import SinGANMultiScaleDiscriminator
from .generator import SinGANMultiScaleGenerator
from .singan import SinGAN
from .test_state import TestStateError, validate_test_state

__all__ = [
    'SinGAN', 'SinGANMultiScaleGenerator', 'SinGANMultiScaleDiscriminator',
    'SinGANGeneratorBlock', 'SinGANDiscriminatorBlock', 'scale_width',
    'TestStateError', 'validate_test_state'
]
