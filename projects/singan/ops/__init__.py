"""Pure tensor functions of SinGAN, free of mmengine."""
from .cascade import generate_at_scale, run_cascade, upsample
from .losses import gradient_penalty, reconstruction_loss
from .noise import PAD, draw_noise, noise_amplitude, noise_channels
from .pyramid import (cap_to_max_size, check_pyramid_settings, count_scales,
                      create_real_pyramid, rescaled_size, resize_image)

__all__ = [
    'generate_at_scale', 'run_cascade', 'upsample', 'gradient_penalty',
    'reconstruction_loss', 'PAD', 'draw_noise', 'noise_amplitude',
    'noise_channels',
    'cap_to_max_size', 'check_pyramid_settings', 'count_scales',
    'create_real_pyramid', 'rescaled_size', 'resize_image'
]
