"""Python API: load a trained SinGAN and use it."""
from .animation import animate, noise_walk, write_gif, write_mp4
from .authors_import import authors_config, build_authors_model
from .figures import captioned_row, to_display
from .inferencer import TASKS, SinGANInferencer
from .inputs import (RESIZE_MODES, fit_to_size, load_mask, load_reference,
                     mask_from_array, reference_from_array, training_pyramid)
from .loading import (CheckpointMismatchError, find_pickle, load_model,
                      load_model_and_config, stored_config)
from .manipulations import (blend, dilate_mask, edit, harmonize, inject_image,
                            paint_to_image, palette_of, quantize_to_palette)
from .paste_back import match_mask, paste_back, to_full_resolution
from .sampling import (check_start_scale, inject_at_scale, parse_factors,
                       random_samples, reconstruct, scaled_sizes)
from .super_resolution import bicubic_upscale, sr_steps, super_resolve

__all__ = [
    'SinGANInferencer', 'TASKS', 'CheckpointMismatchError', 'find_pickle',
    'load_model', 'load_model_and_config', 'stored_config', 'animate',
    'authors_config', 'build_authors_model',
    'noise_walk', 'write_gif', 'write_mp4', 'captioned_row', 'to_display',
    'RESIZE_MODES', 'fit_to_size', 'load_mask', 'load_reference',
    'training_pyramid', 'reference_from_array', 'mask_from_array',
    'match_mask', 'paste_back', 'to_full_resolution', 'blend', 'dilate_mask',
    'edit', 'harmonize',
    'inject_image', 'paint_to_image', 'palette_of', 'quantize_to_palette',
    'check_start_scale', 'inject_at_scale', 'parse_factors',
    'random_samples', 'reconstruct', 'scaled_sizes', 'bicubic_upscale',
    'sr_steps', 'super_resolve'
]
