"""Python API: load a trained SinGAN and use it."""
from .loading import CheckpointMismatchError, find_pickle, load_model

__all__ = ['CheckpointMismatchError', 'find_pickle', 'load_model']
