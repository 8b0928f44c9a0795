"""Networks and the models: SinGAN and ConSinGAN, on one base."""
from .blocks import (SinGANDiscriminatorBlock, SinGANGeneratorBlock,
                     scale_width)
from .discriminator import SinGANMultiScaleDiscriminator
from .generator import SinGANMultiScaleGenerator
from .base import MultiScaleGAN
from .singan import SinGAN
from .consingan import ConSinGAN
from .consingan_discriminator import ConSinGANDiscriminator
from .consingan_generator import ConSinGANGenerator
from .inference_state import (InferenceStateError, NoiseSpec,
                              validate_inference_state)

__all__ = [
    'MultiScaleGAN', 'SinGAN', 'ConSinGAN', 'ConSinGANGenerator',
    'ConSinGANDiscriminator', 'SinGANMultiScaleGenerator',
    'SinGANMultiScaleDiscriminator',
    'SinGANGeneratorBlock', 'SinGANDiscriminatorBlock', 'scale_width',
    'InferenceStateError', 'NoiseSpec', 'validate_inference_state'
]
