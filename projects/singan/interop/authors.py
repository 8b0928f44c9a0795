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
import os.path as osp
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import torch

from ..fileio.safe_load import load_torch_file
from .authors_checks import (AuthorsModelError, check_amplitude,
                             check_fixed_noise, check_real, checked_tensors,
                             generator_tensors)
from .authors_pickle import load_authors_file
from .authors_pyramid import authors_scale_factor

__all__ = ['AUTHORS_FILES', 'AuthorsModelError', 'AuthorsModel',
           'read_authors_folder', 'convert_authors_block']

#: The files of a trained model folder, in the order they are checked.
AUTHORS_FILES = ('Gs.pth', 'Zs.pth', 'reals.pth', 'NoiseAmp.pth')
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
    def sizes(self) -> List[tuple]:
        """``(H, W)`` per scale, coarsest first, as their pyramid made them."""
        return [tuple(int(v) for v in r.shape[-2:]) for r in self.reals]

    @property
    def scale_factor(self) -> Optional[float]:
        """Their ``opt.scale_factor``, from the sizes (``None``: not found).

        The ratio between scales their generation resizes by
        (``interop/authors_pyramid.py``).
        """
        return authors_scale_factor(self.sizes)

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
    reals = [check_real(loaded['reals.pth'][s], s, paths['reals.pth'])
             for s in range(num)]
    sizes = [tuple(r.shape[-2:]) for r in reals]
    state = dict(
        fixed_noises=[check_fixed_noise(loaded['Zs.pth'][s], s, sizes[s],
                                   paths['Zs.pth']) for s in range(num)],
        noise_weights=[check_amplitude(loaded['NoiseAmp.pth'][s], s,
                                  paths['NoiseAmp.pth']) for s in range(num)],
        curr_stage=num - 1)
    weights: Dict[str, torch.Tensor] = {}
    for s in range(num):
        theirs = generator_tensors(loaded['Gs.pth'][s], s, paths['Gs.pth'])
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
        block = convert_authors_block(checked_tensors(theirs, path),
                                      'tail.', path)
        weights.update({f'discriminator.blocks.{s}.{k}': v
                        for k, v in block.items()})
    return weights
