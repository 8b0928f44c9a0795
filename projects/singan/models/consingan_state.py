"""Checking a ConSinGAN inference state (the pickle) against its generator.

The layout is SinGAN's (``fixed_noises``, ``noise_weights``,
``curr_stage``), but ConSinGAN's fixed noises have other shapes: at stage 0
the coarsest real image ``(1, 3, H0, W0)``, above it feature-shaped noise
``(1, features, H + 2L, W + 2L)``.
"""
from typing import List, Tuple

import numpy as np
import torch.nn as nn

from .inference_state import InferenceStateError, check_amplitudes

__all__ = ['validate_consingan_state']

_KEYS = ('fixed_noises', 'noise_weights', 'curr_stage')


def validate_consingan_state(
        state: dict, generator: nn.Module,
        source: str) -> Tuple[List[np.ndarray], List[float], int]:
    """Check keys, stage count and noise shapes of a ConSinGAN state.

    Args:
        state (dict): ``fixed_noises``, ``noise_weights``, ``curr_stage``.
        generator (nn.Module): The ``ConSinGANGenerator`` it must fit.
        source (str): Name of the file, for the messages.

    Returns:
        tuple: ``(fixed_noises, noise_weights, curr_stage)``, as numpy
        float32 arrays, floats and an int.
    """
    if not isinstance(state, dict) or any(k not in state for k in _KEYS):
        found = sorted(state) if isinstance(state, dict) else type(state)
        raise InferenceStateError(
            f'{source} holds {found}, not the keys {list(_KEYS)} of a '
            'ConSinGAN pickle. Pass the .pkl written next to the checkpoint '
            '(work_dir/pickle/iter_N.pkl).')
    noises = [np.asarray(n, dtype=np.float32) for n in state['fixed_noises']]
    weights = [float(w) for w in state['noise_weights']]
    stage = int(state['curr_stage'])
    if not 0 <= stage <= generator.num_scales:
        raise InferenceStateError(
            f'{source} has curr_stage={stage} but the model has stages 0..'
            f'{generator.num_scales}. Use the pickle of this checkpoint, or '
            f'set num_scales={stage} in the config.')
    if len(noises) != stage + 1 or len(weights) != stage + 1:
        raise InferenceStateError(
            f'{source} has {len(noises)} fixed noises and {len(weights)} noise'
            f' weights for curr_stage={stage}; both must number {stage + 1}. '
            'Use the file written by training.')
    for scale, noise in enumerate(noises):
        _check_noise(noise, scale, generator, source)
    check_amplitudes(weights, source)
    return noises, weights, stage


def _check_noise(noise: np.ndarray, scale: int, generator: nn.Module,
                 source: str) -> None:
    """One fixed noise: ``(1, C, H, W)`` with the stage's channels."""
    channels = generator.in_channels if scale == 0 else generator.features
    margin = 0 if scale == 0 else 2 * generator.shrink
    if noise.ndim != 4 or noise.shape[:2] != (1, channels) or \
            min(noise.shape[2:]) <= margin:
        what = 'the coarsest real image' if scale == 0 else \
            'feature noise padded by 2 x num_layers'
        raise InferenceStateError(
            f'{source}: fixed noise of stage {scale} has shape {noise.shape};'
            f' expected (1, {channels}, H, W), {what}. It is not a ConSinGAN '
            'pickle of this config (a SinGAN pickle?); use the one written '
            'with this checkpoint.')
