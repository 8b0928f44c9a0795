"""File input and output: images, atomic writes, safe loading."""
from .atomic import AtomicLocalBackend, atomic_write_bytes, check_writable_dir
from .image_io import (ImageLoadError, make_grid, read_image, save_image,
                       tensor_to_image, to_unit_range)
from .safe_load import (CheckpointLoadError, UnsafeFileError,
                        load_checkpoint_file, load_pickle)

__all__ = [
    'AtomicLocalBackend', 'atomic_write_bytes', 'check_writable_dir',
    'ImageLoadError', 'make_grid',
    'read_image', 'save_image', 'tensor_to_image', 'to_unit_range',
    'CheckpointLoadError', 'UnsafeFileError', 'load_checkpoint_file',
    'load_pickle'
]
