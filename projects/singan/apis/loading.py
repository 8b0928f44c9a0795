"""Loading a trained SinGAN: config + checkpoint + pickle -> model.

Used by ``tools/test.py``, the applications and :class:`SinGANInferencer`;
no Runner involved. The config may be left out: mmengine's
``CheckpointHook`` stores it in the checkpoint (ours and mmagic's), and it is
then read from there as plain settings (``fileio.config_text``), never run.
"""
import os
import os.path as osp
import re
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config

from ..cli import UserInputError
from .image_scales import image_num_scales
from ..fileio.config_text import parse_config_text
from ..fileio.safe_load import (check_checkpoint_arrays,
                                load_checkpoint_file, load_pickle)
from ..devices import check_device
from ..interop.mmagic import checkpoint_format, from_mmagic, \
    swap_noise_channels
from ..interop.mmagic_config import adapt_mmagic_model
from ..models.singan import SinGAN
from ..models.inference_state import InferenceStateError, check_same_run
from ..registry import MODELS
from ..resources import find_config

__all__ = [
    'CheckpointMismatchError', 'load_model', 'load_model_and_config',
    'stored_config', 'find_pickle'
]

#: Values of ``checkpoint_format`` (argument or top-level config key).
FORMATS = ('auto', 'singan', 'mmagic')


class CheckpointMismatchError(ValueError):
    """A checkpoint whose networks do not fit the config."""


def _count_scales(state_dict: dict) -> int:
    """Index of the finest generator block in a state dict (-1: none)."""
    found = [
        int(m.group(1)) for k in state_dict
        for m in [re.match(r'generator\.blocks\.(\d+)\.', k)] if m
    ]
    return max(found, default=-1)


def find_pickle(checkpoint: str) -> Optional[str]:
    """The pickle written with a checkpoint of our work dirs, if present.

    Args:
        checkpoint (str): ``work_dir/iter_N.pth``.

    Returns:
        str | None: ``work_dir/pickle/iter_N.pkl`` when it exists.
    """
    name = osp.splitext(osp.basename(checkpoint))[0]
    path = osp.join(osp.dirname(checkpoint), 'pickle', f'{name}.pkl')
    return path if osp.isfile(path) else None


def load_model(config: Union[str, Config, None],
               checkpoint: str,
               pkl_data: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               checkpoint_format: Optional[str] = None) -> SinGAN:
    """Build SinGAN from a config and load weights and inference state.

    Args:
        config (str | Config | None): The training config (ours or
            mmagic's): a path, a shipped config's name
            (``'singan_balloons'``, see ``resources.find_config``) or a
            ``Config``. ``None``: the config stored in the checkpoint (see
            :func:`stored_config`).
        checkpoint (str): ``.pth`` file written by training, by mmagic /
            mmgen (model zoo) or by ``tools/export_mmagic.py``.
        pkl_data (str, optional): Pickle of fixed noises and amplitudes.
            ``None``: ``config.model.test_pkl_data``, else the state stored
            in the checkpoint, else ``pickle/iter_N.pkl`` beside it.
        device (str | torch.device): Where to put the model.
        checkpoint_format (str, optional): ``'singan'`` (ours, RGB),
            ``'mmagic'`` (BGR, converted on load; see docs/mmagic.md) or
            ``'auto'`` (tell from the file). ``None``: the config's
            top-level ``checkpoint_format``, else ``'auto'``.

    Returns:
        SinGAN: In eval mode, RGB in and out, ready to sample.
    """
    return load_model_and_config(config, checkpoint, pkl_data, device,
                                 checkpoint_format)[0]


def load_model_and_config(config: Union[str, Config, None],
                          checkpoint: str,
                          pkl_data: Optional[str] = None,
                          device: Union[str, torch.device] = 'cpu',
                          checkpoint_format: Optional[str] = None
                          ) -> Tuple[SinGAN, Config]:
    """:func:`load_model`, also returning the config it was built from.

    Args:
        config (str | Config | None): See :func:`load_model`.
        checkpoint (str): See :func:`load_model`.
        pkl_data (str, optional): See :func:`load_model`.
        device (str | torch.device): See :func:`load_model`.
        checkpoint_format (str, optional): See :func:`load_model`.

    Returns:
        tuple: ``(model, config)``; the config names the training image
        (``train_dataloader.dataset.data_root``), which the applications
        that compare with it read.
    """
    check_device(device)
    ckpt = load_checkpoint_file(checkpoint)
    check_checkpoint_arrays(ckpt, checkpoint)
    if config is None:
        cfg = stored_config(ckpt, checkpoint)
    elif isinstance(config, (str, os.PathLike)):
        cfg = Config.fromfile(find_config(config))
    else:
        cfg = config
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
        else None
    if not isinstance(state_dict, dict) or _count_scales(state_dict) < 0:
        raise CheckpointMismatchError(
            f'{checkpoint} holds no SinGAN generator weights '
            '(generator.blocks.*). Pass a checkpoint written by training.')
    fmt = _resolve_format(ckpt, checkpoint, checkpoint_format or cfg.get(
        'checkpoint_format', None) or 'auto')
    model_cfg = _model_cfg(cfg)
    if fmt == 'mmagic':
        state_dict, align_corners = from_mmagic(ckpt)
        model_cfg.generator = dict(model_cfg.generator,
                                   align_corners=align_corners)
    model_cfg.num_scales = _num_scales(cfg, state_dict, checkpoint)
    for part in ('generator', 'discriminator'):
        model_cfg[part] = dict(model_cfg[part], num_scales=model_cfg.num_scales)
    model: SinGAN = MODELS.build(model_cfg)
    _load_weights(model, state_dict, checkpoint, model_cfg.num_scales)
    # eval before the inference state: loading it runs the finished scales,
    # and BatchNorm in train mode would update their running statistics.
    model.to(device).eval()
    state, source = _inference_state(cfg, ckpt, checkpoint, pkl_data)
    if fmt == 'mmagic':
        state = swap_noise_channels(state)
    model.load_inference_state(state, source)
    return model.eval(), cfg


def stored_config(ckpt: dict, checkpoint: str) -> Config:
    """The training config that mmengine's ``CheckpointHook`` stored.

    As mmengine's ``BaseInferencer``: ``message_hub['runtime_info']['cfg']``
    first, then ``meta['cfg']``. The text is read as plain settings
    (:func:`parse_config_text`), never executed.

    Args:
        ckpt (dict): The loaded checkpoint.
        checkpoint (str): Its path, for messages.

    Returns:
        Config: The config of the run that wrote the checkpoint.

    Raises:
        UserInputError: The checkpoint carries no config (a bare state
            dict, an export); the message says to pass the config.
    """
    hub = ckpt.get('message_hub') if isinstance(ckpt, dict) else None
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    runtime = hub.get('runtime_info') if isinstance(hub, dict) else None
    text = (runtime or {}).get('cfg') if isinstance(runtime, dict) else None
    if not isinstance(text, str) and isinstance(meta, dict):
        text = meta.get('cfg')
    if not isinstance(text, str) or not text.strip():
        raise UserInputError(
            f'{checkpoint} carries no config (no meta["cfg"], as mmengine\'s '
            'CheckpointHook writes), so the model cannot be built from it '
            'alone. Pass the config it was trained with, e.g. '
            "SinGANInferencer(checkpoint, config='singan_balloons') or "
            'load_model(CONFIG, checkpoint).')
    return Config(parse_config_text(text, checkpoint))


def _resolve_format(ckpt: dict, checkpoint: str, requested: str) -> str:
    """``'singan'`` or ``'mmagic'``: the request, or what the file says."""
    if requested not in FORMATS:
        raise ValueError(f'checkpoint_format={requested!r}: use one of '
                         f'{list(FORMATS)}.')
    if requested != 'auto':
        return requested
    found = checkpoint_format(ckpt)
    if found is None:
        raise CheckpointMismatchError(
            f'{checkpoint} carries no mark of who wrote it (no singan_state,'
            ' no config in its meta), so its channel order is unknown. Pass '
            "checkpoint_format='singan' (ours, RGB) or 'mmagic' (BGR), e.g. "
            '--cfg-options checkpoint_format=mmagic.')
    return found


def _model_cfg(cfg: Config):
    """The model config, without mmagic's preprocessor and schedule keys."""
    model_cfg = cfg.model.copy()
    adapt_mmagic_model(model_cfg)
    return model_cfg


def _num_scales(cfg: Config, state_dict: dict, checkpoint: str) -> int:
    """``num_scales`` of the config, checked against the checkpoint."""
    in_ckpt = _count_scales(state_dict)
    given = cfg.model.get('num_scales')
    if given is None and cfg.get('train_dataloader'):
        dataset = cfg.train_dataloader.dataset
        if osp.isfile(dataset.get('data_root', '')):
            given = image_num_scales(dataset)
    if given is not None and given != in_ckpt:
        raise CheckpointMismatchError(
            f'{checkpoint} has scales 0..{in_ckpt} but the config has '
            f'num_scales={given}: the checkpoint comes from another config. '
            f'Use the config it was trained with (or --cfg-options '
            f'model.num_scales={in_ckpt}).')
    return in_ckpt


def _load_weights(model: SinGAN, state_dict: dict, checkpoint: str,
                  num_scales: int) -> None:
    """Strict load with a message naming the first differences."""
    weights = {k: v for k, v in state_dict.items()
               if k.startswith(('generator.', 'discriminator.'))}
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as err:
        detail = str(err).split('\n')[1:3]
        raise CheckpointMismatchError(
            f'{checkpoint} does not fit the config (num_scales='
            f'{num_scales}): {" ".join(s.strip() for s in detail)}. It was '
            'trained with another config; use that one.') from None


def _inference_state(cfg: Config, ckpt: dict, checkpoint: str,
                pkl_data: Optional[str]):
    """The fixed noises and amplitudes, and where they came from."""
    pkl_data = pkl_data or cfg.model.get('test_pkl_data') or (
        cfg.get('test_cfg') or {}).get('pkl_data')
    if pkl_data:
        state = load_pickle(pkl_data)
        if 'singan_state' in ckpt and isinstance(state, dict):
            check_same_run(state, ckpt['singan_state'], pkl_data, checkpoint)
        return state, pkl_data
    if 'singan_state' in ckpt:
        return ckpt['singan_state'], checkpoint
    beside = find_pickle(checkpoint)
    if beside:
        return load_pickle(beside), beside
    raise InferenceStateError(
        f'No fixed noises for {checkpoint}: pass the pickle with '
        '--cfg-options test_cfg.pkl_data=PATH (work_dir/pickle/iter_N.pkl '
        'of the run).')
