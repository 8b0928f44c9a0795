"""Networks and the SinGAN model."""
from .blocks import (SinGANDiscriminatorBlock, SinGANGeneratorBlock,
                     scale_width)
from .discriminator import SinGANMultiScaleDiscriminator
from .generator import SinGANMultiScaleGenerator
from .singan import SinGAN
from .consingan import ConSinGAN
from .inference_state import InferenceStateError, validate_inference_state

__all__ = [
    'SinGAN', 'ConSinGAN', 'SinGANMultiScaleGenerator',
    'SinGANMultiScaleDiscriminator',
    'SinGANGeneratorBlock', 'SinGANDiscriminatorBlock', 'scale_width',
    'InferenceStateError', 'validate_inference_state'
]
