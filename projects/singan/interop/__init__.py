"""Interoperability with mmagic's SinGAN: checkpoints, pickles, configs."""
from .mmagic import (EXPORT_KEY, MMAGIC_SCOPES, checkpoint_format,
                     from_mmagic, swap_noise_channels, swap_red_blue,
                     to_mmagic)

__all__ = [
    'EXPORT_KEY', 'MMAGIC_SCOPES', 'checkpoint_format', 'from_mmagic',
    'swap_noise_channels', 'swap_red_blue', 'to_mmagic'
]
