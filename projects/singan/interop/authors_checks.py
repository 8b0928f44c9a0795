"""Checks of the authors' files, value by value, with the path in each refusal.

Used by ``interop/authors.py``: every tensor must be a finite float tensor of
the expected shape, the fixed noises zero in their padding, the amplitudes
finite numbers, and every pickled layer the authors' default (kernel 3,
stride 1, no padding, BatchNorm eps 1e-5, LeakyReLU 0.2, five layers, a conv
+ tanh tail), since those are what our blocks compute.
"""
import math
from typing import Any, Dict

import torch

from .authors_pickle import LayerRecord, record_tensors

__all__ = ['AuthorsModelError', 'checked_tensor', 'check_real',
           'check_fixed_noise', 'check_amplitude', 'generator_tensors',
           'checked_tensors']

#: Zero padding of the authors' noises and images (5 convs of 3x3).
_PAD = 5
_GENERATOR = 'SinGAN.models.GeneratorConcatSkip2CleanAdd'
#: Attributes the converted layers must have: what our blocks compute with.
_LAYER_ATTRIBUTES = {
    'torch.nn.modules.conv.Conv2d': dict(
        kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(1, 1),
        groups=1, padding_mode='zeros'),
    'torch.nn.modules.batchnorm.BatchNorm2d': dict(
        eps=1e-5, affine=True, track_running_stats=True),
    'torch.nn.modules.activation.LeakyReLU': dict(negative_slope=0.2),
}


def _conv_block(path: str) -> Dict[str, str]:
    """The layers of one of the authors' ``ConvBlock`` at ``path``."""
    return {path: 'ConvBlock', f'{path}.conv': 'Conv2d',
            f'{path}.norm': 'BatchNorm2d', f'{path}.LeakyRelu': 'LeakyReLU'}


#: The authors' generator (``num_layer=5``), ``path -> class name``.
_GENERATOR_LAYERS = {
    **_conv_block('head'), 'body': 'Sequential',
    **{k: v for i in (1, 2, 3) for k, v in _conv_block(f'body.block{i}').items()},
    'tail': 'Sequential', 'tail.0': 'Conv2d', 'tail.1': 'Tanh'}



class AuthorsModelError(ValueError):
    """A folder of the authors' code that cannot be converted."""


def checked_tensor(value: Any, what: str, path: str) -> torch.Tensor:
    """A finite floating-point tensor, or a refusal naming it."""
    if not isinstance(value, torch.Tensor) or \
            not value.dtype.is_floating_point:
        kind = value.dtype if isinstance(value, torch.Tensor) else \
            type(value).__name__
        raise AuthorsModelError(f'{path}: {what} is {kind}, not a float '
                                'tensor; the file is damaged or not the '
                                'authors\' layout.')
    bad = int((~torch.isfinite(value)).sum())
    if bad:
        raise AuthorsModelError(
            f'{path}: {what} holds {bad} non-finite values (NaN or inf) of '
            f'{value.numel()}; training diverged or the file is damaged.')
    return value.detach().float()


def check_real(value: Any, scale: int, path: str) -> torch.Tensor:
    """The real image of a scale, ``(1, 3, H, W)``."""
    real = checked_tensor(value, f'the real image of scale {scale}', path)
    if real.ndim != 4 or real.shape[:2] != (1, 3) or min(real.shape[2:]) < 11:
        raise AuthorsModelError(
            f'{path}: the real image of scale {scale} has shape '
            f'{tuple(real.shape)}; expected (1, 3, H, W) with H, W >= 11 '
            '(colour models only).')
    return real


def check_fixed_noise(value: Any, scale: int, size: tuple,
                 path: str) -> torch.Tensor:
    """Our fixed noise from the authors' padded one, checked exactly.

    Above scale 0 their ``train_single_scale`` makes it with
    ``torch.full(shape, 0)``, which gives int64 zeros on torch >= 1.7: an
    integer tensor of zeros is taken as float zeros; any other integer
    tensor is refused.
    """
    what = f'the fixed noise of scale {scale}'
    if isinstance(value, torch.Tensor) and not value.dtype.is_floating_point \
            and not value.dtype.is_complex and value.dtype != torch.bool:
        if bool(value.any()):
            raise AuthorsModelError(
                f'{path}: {what} is a {value.dtype} tensor with non-zero '
                'values; the authors\' code writes float noise, or integer '
                'zeros (torch.full(shape, 0)) above scale 0. The file is '
                'damaged or not the authors\' layout: copy the folder again.')
        value = value.float()
    noise = checked_tensor(value, what, path)
    padded = (1, 3, size[0] + 2 * _PAD, size[1] + 2 * _PAD)
    if tuple(noise.shape) != padded:
        raise AuthorsModelError(
            f'{path}: the fixed noise of scale {scale} has shape '
            f'{tuple(noise.shape)}; the real image of that scale is {size}, '
            f'so the authors\' padded noise is {padded}.')
    inner = noise[:, :, _PAD:-_PAD, _PAD:-_PAD]  # (1, 3, H, W)
    border = noise.clone()
    border[:, :, _PAD:-_PAD, _PAD:-_PAD] = 0
    if bool(border.any()):
        raise AuthorsModelError(
            f'{path}: the fixed noise of scale {scale} is not zero in its '
            'padding: a model trained with --mode animation_train (noise '
            'padding), which this importer does not convert.')
    if scale == 0 and bool((inner == inner[:, :1]).all()):
        inner = inner[:, :1]  # one channel expanded to 3, as ours
    return inner.numpy().copy()


def check_amplitude(value: Any, scale: int, path: str) -> float:
    """A noise amplitude: a number or a one-element tensor, finite, >= 0."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = float(checked_tensor(value.float(), f'NoiseAmp[{scale}]', path))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value < 0:
        raise AuthorsModelError(
            f'{path}: the noise amplitude of scale {scale} is {value!r}; '
            'expected a finite number >= 0.')
    return float(value)


def generator_tensors(record: Any, scale: int,
                       path: str) -> Dict[str, torch.Tensor]:
    """The authors' state dict of one pickled generator, layers checked."""
    if not isinstance(record, LayerRecord) or record.class_name != _GENERATOR:
        found = getattr(record, 'class_name', type(record).__name__)
        raise AuthorsModelError(
            f'{path}: scale {scale} holds {found}, not the authors\' '
            f'{_GENERATOR}.')
    where = f'{path}: scale {scale}'
    found = _layer_classes(record)
    if found != _GENERATOR_LAYERS:
        diff = sorted(set(found.items()) ^ set(_GENERATOR_LAYERS.items()))
        raise AuthorsModelError(
            f'{where}: the layers differ from the authors\' generator (5 '
            f'layers, conv + tanh tail) at {diff[:4]}; only that '
            'architecture converts.')
    _check_layers(record, where, '')
    return checked_tensors(record_tensors(record), where)


def checked_tensors(theirs: Dict[str, Any],
                     where: str) -> Dict[str, torch.Tensor]:
    """Float weights finite; BatchNorm counters integer tensors."""
    checked = {}
    for key, value in theirs.items():
        if not key.endswith('num_batches_tracked'):
            checked[key] = checked_tensor(value, key, where)
        elif isinstance(value, torch.Tensor) and value.numel() == 1 and \
                not value.dtype.is_floating_point:
            checked[key] = value
        else:
            raise AuthorsModelError(f'{where}: {key} is {value!r}; expected '
                                    'an integer tensor (a BatchNorm counter).')
    return checked


def _layer_classes(record: LayerRecord, prefix: str = '') -> Dict[str, str]:
    """``path -> class name`` of every sub-layer of a record."""
    classes = {}
    for name, child in (record.state.get('_modules') or {}).items():
        path = f'{prefix}.{name}' if prefix else name
        classes[path] = getattr(child, 'class_name', type(child).__name__
                                ).split('.')[-1]
        if isinstance(child, LayerRecord):
            classes.update(_layer_classes(child, path))
    return classes


def _check_layers(record: LayerRecord, where: str, prefix: str) -> None:
    """Every layer computes what ours does (kernel, stride, eps, slope)."""
    for name, want in _LAYER_ATTRIBUTES.get(record.class_name, {}).items():
        value = record.state.get(name, want)
        if isinstance(want, tuple) and isinstance(value, int):
            value = (value, value)
        if not _same(value, want):
            raise AuthorsModelError(
                f'{where}: {prefix or "the generator"} '
                f'({record.class_name.split(".")[-1]}) has {name}={value!r};'
                f' only the authors\' defaults ({name}={want!r}) convert.')
    for name, child in (record.state.get('_modules') or {}).items():
        if isinstance(child, LayerRecord):
            _check_layers(child, where,
                          f'{prefix}.{name}' if prefix else name)


def _same(value: Any, want: Any) -> bool:
    """``value == want``; floats to 1e-12, a bool never equal to a number."""
    if isinstance(want, float):
        return isinstance(value, (int, float)) and \
            not isinstance(value, bool) and abs(value - want) <= 1e-12
    return type(value) is type(want) and value == want
