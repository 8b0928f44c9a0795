"""Models trained with the authors' code (tamarott/SinGAN), as our weights.

The authors' ``main_train.py`` leaves ``TrainedModels/<image>/
scale_factor=0.750000,alpha=10/`` with four lists, one entry per scale:

- ``Gs.pth``: the generators, pickled whole (``GeneratorConcatSkip2CleanAdd``:
  ``head`` and ``body.block1..3`` are ``ConvBlock`` = conv with bias +
  BatchNorm + LeakyReLU(0.2); ``tail`` = conv + tanh), in eval mode;
- ``Zs.pth``: the fixed reconstruction noises, padded by 5 (zeros around):
  at scale 0 one noise channel expanded to 3, zeros above;
- ``reals.pth``: the real image per scale, ``(1, 3, H, W)`` in [-1, 1], RGB;
- ``NoiseAmp.pth``: the noise amplitudes (1 at scale 0, then 0-d tensors).

Per-scale folders ``0/ 1/ ...`` hold ``netG.pth``/``netD.pth`` state dicts;
the critics are taken from there when all are present.

The conversion is exact. Our convolutions before BatchNorm have no bias
(mmcv ``ConvModule``); in eval mode BatchNorm computes
``gamma * (x + b - mean) / sqrt(var + eps) + beta``, so the conv bias ``b``
moves into the running mean, ``mean' = mean - b``. In train mode the batch
mean absorbs ``b`` and the running-mean update keeps ``mean' = mean - b``,
so training from the converted weights is the same as well.
"""
import math
import os.path as osp
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import torch

from ..fileio.safe_load import load_torch_file
from .authors_pickle import LayerRecord, load_authors_file, record_tensors

__all__ = ['AUTHORS_FILES', 'AuthorsModelError', 'AuthorsModel',
           'read_authors_folder', 'convert_authors_block']

#: The files of a trained model folder, in the order they are checked.
AUTHORS_FILES = ('Gs.pth', 'Zs.pth', 'reals.pth', 'NoiseAmp.pth')
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


@dataclass
class AuthorsModel:
    """An authors' model converted to our layout.

    Attributes:
        folder (str): The folder it was read from.
        state_dict (dict): ``generator.blocks.<s>.*`` weights (and
            ``discriminator.blocks.<s>.*`` when ``discriminators`` is set).
        inference_state (dict): ``fixed_noises``, ``noise_weights``,
            ``curr_stage`` in the layout of our pickles.
        reals (list[torch.Tensor]): Real image per scale, ``(1, 3, H, W)``.
        base_channels (int): Width of scales 0-3 (the authors' ``nfc``).
        min_feat_channels (int): The authors' ``min_nfc``.
        discriminators (str, optional): Where the critics came from
            (``None``: not found).
    """
    folder: str
    state_dict: Dict[str, torch.Tensor]
    inference_state: dict
    reals: List[torch.Tensor]
    base_channels: int
    min_feat_channels: int
    discriminators: Optional[str] = None

    @property
    def num_scales(self) -> int:
        """Index of the finest scale."""
        return len(self.reals) - 1

    @property
    def scale_factor_init(self) -> float:
        """The authors' ``--scale_factor``, from the folder name.

        ``scale_factor=0.750000,alpha=10``; their default 0.75 when the
        folder was renamed.
        """
        found = re.search(r'scale_factor=([0-9.]+)', osp.basename(
            osp.normpath(self.folder)))
        try:
            value = float(found.group(1)) if found else 0.75
        except ValueError:
            value = 0.75
        return value if 0 < value < 1 else 0.75


def read_authors_folder(folder: str,
                        trust_pickled_code: bool = False) -> AuthorsModel:
    """Read and convert a ``TrainedModels/<image>/scale_factor=...`` folder.

    Args:
        folder (str): The folder holding ``Gs.pth``, ``Zs.pth``,
            ``reals.pth`` and ``NoiseAmp.pth``.
        trust_pickled_code (bool): Consent to open these pickles of whole
            Python objects (see ``docs/authors_models.md``). ``False``
            refuses before anything is loaded.

    Returns:
        AuthorsModel: Weights and inference state in our layout, checked.
    """
    paths = _authors_paths(folder)
    if not trust_pickled_code:
        raise AuthorsModelError(
            f'Refusing to load {", ".join(AUTHORS_FILES)} of {folder!r}: they'
            ' are torch.save pickles of whole Python objects (the authors\''
            ' generators), a format that runs code named inside it when '
            'torch.load opens it. They are read with a restricted unpickler '
            '(tensors, lists and the authors\' layer names only), but open '
            'them only if the folder comes from a source you trust: pass '
            '--trust-pickled-code (trust_pickled_code=True).')
    fix = (f'Copy the folder written by the authors\' main_train.py again '
           f'({", ".join(AUTHORS_FILES)}).')
    loaded = {name: load_authors_file(path, fix)
              for name, path in paths.items()}
    num = _scale_count(loaded, paths)
    reals = [_real(loaded['reals.pth'][s], s, paths['reals.pth'])
             for s in range(num)]
    sizes = [tuple(r.shape[-2:]) for r in reals]
    state = dict(
        fixed_noises=[_fixed_noise(loaded['Zs.pth'][s], s, sizes[s],
                                   paths['Zs.pth']) for s in range(num)],
        noise_weights=[_amplitude(loaded['NoiseAmp.pth'][s], s,
                                  paths['NoiseAmp.pth']) for s in range(num)],
        curr_stage=num - 1)
    weights: Dict[str, torch.Tensor] = {}
    for s in range(num):
        theirs = _generator_tensors(loaded['Gs.pth'][s], s, paths['Gs.pth'])
        block = convert_authors_block(theirs, 'tail.0.',
                                      f'{paths["Gs.pth"]}: scale {s}')
        weights.update({f'generator.blocks.{s}.{k}': v
                        for k, v in block.items()})
    critics = _discriminators(folder, num)
    if critics:
        weights.update(critics)
    head = weights['generator.blocks.0.head.conv.weight']
    tail = weights['generator.blocks.0.tail.conv.weight']
    return AuthorsModel(
        folder=folder, state_dict=weights, inference_state=state, reals=reals,
        base_channels=int(head.shape[0]), min_feat_channels=int(tail.shape[1]),
        discriminators=osp.join(folder, '<scale>', 'netD.pth')
        if critics else None)


def _authors_paths(folder: str) -> Dict[str, str]:
    """The four files of ``folder``; one message names all that are missing."""
    if not osp.isdir(folder):
        raise AuthorsModelError(
            f'{folder!r} is not a folder. Pass the folder the authors\' code '
            'wrote, TrainedModels/<image>/scale_factor=0.750000,alpha=10.')
    paths = {name: osp.join(folder, name) for name in AUTHORS_FILES}
    missing = [name for name, path in paths.items() if not osp.isfile(path)]
    if missing:
        raise AuthorsModelError(
            f'{folder!r} lacks {", ".join(missing)} (a model folder of the '
            f'authors\' code holds {", ".join(AUTHORS_FILES)}, written by '
            'main_train.py at the end of each scale). Pass the complete '
            'folder TrainedModels/<image>/scale_factor=...,alpha=...')
    return paths


def _scale_count(loaded: Dict[str, Any], paths: Dict[str, str]) -> int:
    """Scales in the folder: every file is a list of the same length."""
    lengths = {}
    for name, value in loaded.items():
        if not isinstance(value, (list, tuple)) or not value:
            raise AuthorsModelError(
                f'{paths[name]} holds {type(value).__name__}, not a non-empty'
                ' list (one entry per scale) as the authors\' code saves it.')
        lengths[name] = len(value)
    if len(set(lengths.values())) > 1:
        raise AuthorsModelError(
            f'The files of {osp.dirname(paths["Gs.pth"])!r} disagree on the '
            f'number of scales: {lengths}. Training stopped while saving; '
            'use a folder whose training finished.')
    return lengths['Gs.pth']


def _tensor(value: Any, what: str, path: str) -> torch.Tensor:
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


def _real(value: Any, scale: int, path: str) -> torch.Tensor:
    """The real image of a scale, ``(1, 3, H, W)``."""
    real = _tensor(value, f'the real image of scale {scale}', path)
    if real.ndim != 4 or real.shape[:2] != (1, 3) or min(real.shape[2:]) < 11:
        raise AuthorsModelError(
            f'{path}: the real image of scale {scale} has shape '
            f'{tuple(real.shape)}; expected (1, 3, H, W) with H, W >= 11 '
            '(colour models only).')
    return real


def _fixed_noise(value: Any, scale: int, size: tuple,
                 path: str) -> torch.Tensor:
    """Our fixed noise from the authors' padded one, checked exactly."""
    noise = _tensor(value, f'the fixed noise of scale {scale}', path)
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


def _amplitude(value: Any, scale: int, path: str) -> float:
    """A noise amplitude: a number or a one-element tensor, finite, >= 0."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = float(_tensor(value.float(), f'NoiseAmp[{scale}]', path))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value < 0:
        raise AuthorsModelError(
            f'{path}: the noise amplitude of scale {scale} is {value!r}; '
            'expected a finite number >= 0.')
    return float(value)


def _generator_tensors(record: Any, scale: int,
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
    return _checked_tensors(record_tensors(record), where)


def _checked_tensors(theirs: Dict[str, Any],
                     where: str) -> Dict[str, torch.Tensor]:
    """Float weights finite; BatchNorm counters integer tensors."""
    checked = {}
    for key, value in theirs.items():
        if not key.endswith('num_batches_tracked'):
            checked[key] = _tensor(value, key, where)
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


def convert_authors_block(theirs: Dict[str, torch.Tensor], tail: str,
                          where: str) -> Dict[str, torch.Tensor]:
    """One of the authors' generators or critics in our block's names.

    Args:
        theirs (dict): Its state dict: ``head``/``body.block<i>`` with
            ``conv.{weight,bias}`` and ``norm.*``, and the tail conv.
        tail (str): Prefix of the tail conv: ``'tail.0.'`` (generator,
            followed by tanh) or ``'tail.'`` (critic).
        where (str): File and scale, for the messages.

    Returns:
        dict: Our ``head``/``body.block<i>`` ``conv.weight`` + ``bn.*`` (the
        conv bias folded into ``bn.running_mean``) and ``tail.conv.*``.
    """
    ours: Dict[str, torch.Tensor] = {}
    used = set()

    def take(key: str) -> torch.Tensor:
        if key not in theirs:
            raise AuthorsModelError(f'{where}: no {key}; not the authors\' '
                                    'layout (ConvBlock conv + norm).')
        used.add(key)
        return theirs[key]

    blocks = sorted({k[:-len('.conv.weight')] for k in theirs
                     if k.endswith('.conv.weight')})
    for block in blocks:
        weight = take(f'{block}.conv.weight')
        bias = take(f'{block}.conv.bias') if f'{block}.conv.bias' in theirs \
            else torch.zeros(weight.shape[0])
        ours[f'{block}.conv.weight'] = weight.clone()
        for name in ('weight', 'bias', 'running_var'):
            ours[f'{block}.bn.{name}'] = take(f'{block}.norm.{name}').clone()
        ours[f'{block}.bn.running_mean'] = \
            take(f'{block}.norm.running_mean') - bias  # eval: x + b - mean
        tracked = theirs.get(f'{block}.norm.num_batches_tracked',
                             torch.tensor(0))
        used.add(f'{block}.norm.num_batches_tracked')
        ours[f'{block}.bn.num_batches_tracked'] = tracked.clone().long()
    ours['tail.conv.weight'] = take(f'{tail}weight').clone()
    ours['tail.conv.bias'] = take(f'{tail}bias').clone()
    extra = sorted(set(theirs) - used)
    if extra or 'head' not in blocks:
        raise AuthorsModelError(
            f'{where}: unexpected entries {extra or "(no head)"}; not the '
            'layout of the authors\' models.py.')
    return ours


def _discriminators(folder: str, num: int) -> Dict[str, torch.Tensor]:
    """Critics from ``<s>/netD.pth`` (state dicts), if all scales have one."""
    paths = [osp.join(folder, str(s), 'netD.pth') for s in range(num)]
    if not all(osp.isfile(p) for p in paths):
        return {}
    weights = {}
    for s, path in enumerate(paths):
        theirs = load_torch_file(path, "The authors' critic", 'Delete the '
                                 'per-scale folders to import without it.')
        if not isinstance(theirs, dict):
            raise AuthorsModelError(f'{path} holds {type(theirs).__name__},'
                                    ' not the state dict of a critic.')
        block = convert_authors_block(_checked_tensors(theirs, path),
                                      'tail.', path)
        weights.update({f'discriminator.blocks.{s}.{k}': v
                        for k, v in block.items()})
    return weights
