"""Sample-quality measures: pure functions and mmengine metrics."""
from .diversity import pixel_diversity, reconstruction_rmse
from .metrics import (SIFID, PatchCopy, PixelDiversity, ReconstructionRMSE,
                      SinGANSWD)
from .patch_copy import nearest_patch_distances, patch_copy_stats
from .sifid import InceptionStem, load_inception_stem, sifid
from .swd import laplacian_pyramid, multiscale_swd, sliced_wasserstein

__all__ = [
    'pixel_diversity', 'reconstruction_rmse', 'multiscale_swd',
    'laplacian_pyramid', 'sliced_wasserstein', 'InceptionStem',
    'load_inception_stem', 'sifid', 'SinGANSWD', 'PixelDiversity',
    'ReconstructionRMSE', 'SIFID', 'PatchCopy', 'nearest_patch_distances',
    'patch_copy_stats'
]
