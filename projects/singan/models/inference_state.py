"""Checking an inference state (the pickle) against the model it fits.

SinGAN and ConSinGAN share the layout (``fixed_noises``, ``noise_weights``,
``curr_stage``); each model states what its fixed noise of a scale must
look like as a :class:`NoiseSpec`.
"""
import math
from typing import List, NamedTuple, Sequence, Tuple

import numpy as np

__all__ = [
    'InferenceStateError', 'NoiseSpec', 'validate_inference_state',
    'check_same_run', 'check_amplitudes', 'MAX_NOISE_AMPLITUDE'
]

#: The fix for a damaged array, shared by the messages below.
_DAMAGED = ('the file is damaged or was edited. Use the pickle written by '
            'training (work_dir/pickle/iter_N.pkl), or leave test_cfg.pkl_data'
            ' unset to use the state stored in the checkpoint.')

_KEYS = ('fixed_noises', 'noise_weights', 'curr_stage')

#: The largest valid noise amplitude: 1 at the coarsest scale, and
#: ``noise_weight_init`` (at most 5) x an RMSE of images in [-1, 1] (at most
#: 2) above it; noise of this standard deviation already saturates every
#: pixel.
MAX_NOISE_AMPLITUDE = 10.0


class InferenceStateError(ValueError):
    """A pickle of fixed noises does not fit the model."""


class NoiseSpec(NamedTuple):
    """What the fixed noise ``(1, C, H, W)`` of one scale must look like.

    Attributes:
        channels (tuple[int, ...]): The channel counts ``C`` it may have.
        min_side (int): The smallest ``H`` and ``W`` it may have.
        what (str): What it is, for the message (e.g. ``'noise'``).
    """
    channels: Tuple[int, ...]
    min_side: int
    what: str


def validate_inference_state(
        state: dict, specs: Sequence[NoiseSpec], source: str,
        model: str = 'SinGAN', word: str = 'scale'
) -> Tuple[List[np.ndarray], List[float], int]:
    """Check keys, types, scale count and shapes of an inference state.

    Args:
        state (dict): ``fixed_noises``, ``noise_weights``, ``curr_stage``.
        specs (Sequence[NoiseSpec]): One per scale the model has.
        source (str): Name of the file, for the messages.
        model (str): The model's name, for the messages.
        word (str): What the model calls a scale (``'scale'``, ``'stage'``).

    Returns:
        tuple: ``(fixed_noises, noise_weights, curr_stage)``, as numpy
        float32 arrays, floats and an int.
    """
    if not isinstance(state, dict) or any(k not in state for k in _KEYS):
        found = sorted(state) if isinstance(state, dict) else type(state)
        raise InferenceStateError(
            f'{source} holds {found}, not the keys {list(_KEYS)} of a {model} '
            'pickle. Pass the .pkl written next to the checkpoint (work_dir/'
            'pickle/iter_N.pkl).')
    noises, weights, stage = _typed_state(state, source, word)
    if not 0 <= stage < len(specs):
        raise InferenceStateError(
            f'{source} has curr_stage={stage} but the model has {word}s 0..'
            f'{len(specs) - 1}. Use the pickle of this checkpoint, or set '
            f'num_scales={stage} in the config.')
    if len(noises) != stage + 1 or len(weights) != stage + 1:
        raise InferenceStateError(
            f'{source} has {len(noises)} fixed noises and {len(weights)} noise'
            f' weights for curr_stage={stage}; both must number {stage + 1}. '
            'The file is damaged or was edited; use the one written by '
            'training.')
    for scale, noise in enumerate(noises):
        _check_noise(noise, specs[scale], f'{word} {scale}', source, model)
    check_amplitudes(weights, source)
    return noises, weights, stage


def _check_noise(noise: np.ndarray, spec: NoiseSpec, where: str, source: str,
                 model: str) -> None:
    """One fixed noise: ``(1, C, H, W)`` as ``spec`` says."""
    if noise.ndim == 4 and noise.shape[0] == 1 and \
            noise.shape[1] in spec.channels and \
            min(noise.shape[2:]) >= spec.min_side:
        return
    channels = ' or '.join(str(c) for c in spec.channels)
    raise InferenceStateError(
        f'{source}: fixed noise of {where} has shape {noise.shape}; expected '
        f'(1, {channels}, H, W) with H, W >= {spec.min_side}, {spec.what}. '
        f'It is not a {model} pickle of this config; use the pickle written '
        'with this checkpoint.')


def check_amplitudes(weights: List[float], source: str) -> None:
    """Raise unless each amplitude is finite, in [0, MAX_NOISE_AMPLITUDE].

    Args:
        weights (list[float]): ``noise_weights``, one per scale.
        source (str): Name of the file, for the message.

    Returns:
        None
    """
    for scale, weight in enumerate(weights):
        if not (math.isfinite(weight) and
                0 <= weight <= MAX_NOISE_AMPLITUDE):
            raise InferenceStateError(
                f'{source}: noise_weights[{scale}]={weight!r} (the noise '
                f'amplitude of scale {scale}) must be a finite number in '
                f'[0, {MAX_NOISE_AMPLITUDE:g}] (1 at scale 0, about 0.01-0.1 '
                f'above); {_DAMAGED}')


def _typed_state(state: dict, source: str, word: str = 'scale'
                 ) -> Tuple[List[np.ndarray], List[float], int]:
    """Noises, amplitudes and stage, each checked for its type.

    Args:
        state (dict): An inference state with all of its keys.
        source (str): Name of the file, for the messages.
        word (str): What the model calls a scale, for the messages.

    Returns:
        tuple: float32 noise arrays (finite), floats, and an int.
    """
    noises = [_noise_array(n, f'{word} {s}', source)
              for s, n in enumerate(_sequence(state, 'fixed_noises', source))]
    weights = [_real(w, f'noise_weights[{s}]', source)
               for s, w in enumerate(_sequence(state, 'noise_weights',
                                               source))]
    return noises, weights, _integer(state['curr_stage'], source)


def _sequence(state: dict, key: str, source: str) -> list:
    """``state[key]`` as a list; it must be a list or tuple."""
    value = state[key]
    if not isinstance(value, (list, tuple)):
        raise InferenceStateError(
            f'{source}: {key} is a {type(value).__name__}, not a list (one '
            f'entry per scale); {_DAMAGED}')
    return list(value)


def _noise_array(value, where: str, source: str) -> np.ndarray:
    """One fixed noise as float32; it must be a finite float array."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise InferenceStateError(
            f'{source}: fixed noise of {where} is not an array ({err});'
            f' {_DAMAGED}') from None
    if array.dtype.kind != 'f':
        raise InferenceStateError(
            f'{source}: fixed noise of {where} has dtype {array.dtype};'
            f' expected float32 noise. {_DAMAGED[0].upper()}{_DAMAGED[1:]}')
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise InferenceStateError(
            f'{source}: fixed noise of {where} has {bad} non-finite '
            f'values (NaN or inf) of {array.size}; {_DAMAGED}')
    return array.astype(np.float32, copy=False)


def _real(value, name: str, source: str) -> float:
    """A real number (not a string, bool or array)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise InferenceStateError(
            f'{source}: {name} is {value!r} ({type(value).__name__}); '
            f'expected a number. {_DAMAGED[0].upper()}{_DAMAGED[1:]}')
    return float(value)


def _integer(value, source: str) -> int:
    """``curr_stage``: an integer."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)):
        raise InferenceStateError(
            f'{source}: curr_stage is {value!r} ({type(value).__name__}); '
            f'expected an integer scale index. '
            f'{_DAMAGED[0].upper()}{_DAMAGED[1:]}')
    return int(value)


def check_same_run(state: dict, reference: dict, source: str,
                   checkpoint: str) -> None:
    """Check a pickle against the inference state saved in its checkpoint.

    Our checkpoints carry the inference state of their iteration; a pickle of
    another iteration or run would sample at the wrong scale or size.

    Args:
        state (dict): The inference state from the pickle.
        reference (dict): ``checkpoint['singan_state']``.
        source (str): The pickle's path, for the message.
        checkpoint (str): The checkpoint's path, for the message.

    Returns:
        None
    """
    if any(k not in state for k in _KEYS):
        return  # validate_inference_state names the missing keys
    _typed_state(state, source)  # a damaged file: say so, not "another run"
    shapes = [tuple(np.shape(n)) for n in state['fixed_noises']]
    want = [tuple(np.shape(n)) for n in reference['fixed_noises']]
    if state['curr_stage'] != reference['curr_stage'] or shapes != want:
        raise InferenceStateError(
            f'{source} (curr_stage={state["curr_stage"]}, noise shapes '
            f'{shapes}) does not belong to {checkpoint} (curr_stage='
            f'{reference["curr_stage"]}, noise shapes {want}). Pass the .pkl '
            'of the same iteration (work_dir/pickle/iter_N.pkl for '
            'iter_N.pth), or leave test_cfg.pkl_data unset to use the state '
            'stored in the checkpoint.')
