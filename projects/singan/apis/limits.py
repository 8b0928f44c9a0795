"""What a trained SinGAN can make, and how much memory making it takes.

The maths live beside the other pure functions, in ``ops/memory.py`` (the
memory model and budget) and ``ops/image_size.py`` (receptive field and
image sizes); this module keeps the names the applications use.
"""
from ..ops.image_size import (capped_size, check_image_fits, network_field,
                              receptive_field, smallest_factor)
from ..ops.memory import (MemoryLimitError, block_geometry, cascade_peak_bytes,
                          check_fits, conv_channels, figure_bytes,
                          format_bytes, largest_fitting, memory_budget,
                          sr_peak_bytes)

__all__ = [
    'MemoryLimitError', 'receptive_field', 'smallest_factor',
    'cascade_peak_bytes', 'sr_peak_bytes', 'figure_bytes', 'memory_budget',
    'largest_fitting', 'check_fits', 'format_bytes', 'conv_channels',
    'block_geometry', 'check_image_fits', 'capped_size', 'network_field'
]
