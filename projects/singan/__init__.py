"""SinGAN for the OpenMMLab ecosystem (mmengine), without mmagic."""
from . import apis, datasets, engine, evaluation, fileio, models, ops  # noqa: F401
from .registry import DATASETS, HOOKS, MODELS

__version__ = '0.1.0'

__all__ = ['apis', 'datasets', 'engine', 'fileio', 'models', 'ops', 'DATASETS',
           'HOOKS', 'MODELS', '__version__']
