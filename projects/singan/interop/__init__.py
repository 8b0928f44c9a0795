"""Interoperability: mmagic's SinGAN (checkpoints, pickles, configs) and
models trained with the authors' code."""
from .authors import (AUTHORS_FILES, AuthorsModel, AuthorsModelError,
                      read_authors_folder)
from .mmagic import (EXPORT_KEY, MMAGIC_SCOPES, checkpoint_format,
                     from_mmagic, swap_noise_channels, swap_red_blue,
                     to_mmagic)

__all__ = [
    'AUTHORS_FILES', 'AuthorsModel', 'AuthorsModelError', 'read_authors_folder',
    'EXPORT_KEY', 'MMAGIC_SCOPES', 'checkpoint_format', 'from_mmagic',
    'swap_noise_channels', 'swap_red_blue', 'to_mmagic'
]
