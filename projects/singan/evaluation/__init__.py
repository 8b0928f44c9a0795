"""Sample-quality measures: pure functions and mmengine metrics."""
from .diversity import pixel_diversity, reconstruction_rmse
from .metrics import SIFID, PixelDiversity, ReconstructionRMSE, SinGANSWD
from .sifid import InceptionStem, load_inception_stem, sifid
from .swd import laplacian_pyramid, multiscale_swd, sliced_wasserstein

__all__ = [
    'pixel_diversity', 'reconstruction_rmse', 'multiscale_swd',
    'laplacian_pyramid', 'sliced_wasserstein', 'InceptionStem',
    'load_inception_stem', 'sifid', 'SinGANSWD', 'PixelDiversity',
    'ReconstructionRMSE', 'SIFID'
]
