"""A model of the authors' code as our SinGAN: config, weights, state.

``interop/authors.py`` reads and converts the authors' folder; here the
converted weights go into our model, built from a config that states what
the folder implies (scales, widths, the training image at the finest scale).
"""
import math
import os.path as osp
from typing import Tuple

from mmengine.config import Config

from ..interop.authors import AuthorsModel
from ..interop.mmagic_config import adapt_mmagic_model
from ..models.singan import SinGAN
from ..registry import MODELS

__all__ = ['authors_config', 'build_authors_model']


def authors_config(base: Config, authors: AuthorsModel,
                   image_path: str) -> Config:
    """The config of an imported model, from a base config.

    Args:
        base (Config): A SinGAN config (e.g. ``_base_/singan.py``); copied.
        authors (AuthorsModel): The converted folder.
        image_path (str): Where the finest real image was written (PNG); it
            becomes the dataset image, uncapped (``max_size`` = its long
            side), so metrics compare with the image the model learnt.

    Returns:
        Config: With ``model.num_scales``, the widths, bicubic upsampling
        with ``align_corners=False`` and the dataset set.
    """
    cfg = base.copy()
    widths = dict(num_scales=authors.num_scales,
                  base_channels=authors.base_channels,
                  min_feat_channels=authors.min_feat_channels)
    cfg.model.num_scales = authors.num_scales
    cfg.model.test_pkl_data = None
    cfg.model.generator = dict(cfg.model.generator, align_corners=False,
                               **widths)
    cfg.model.discriminator = dict(cfg.model.discriminator, **widths)
    height, width = authors.reals[-1].shape[-2:]
    factor = authors.scale_factor_init
    cfg.train_dataloader.dataset = dict(
        cfg.train_dataloader.dataset, data_root=osp.abspath(image_path),
        max_size=int(max(height, width)),
        min_size=_min_size(min(height, width), authors.num_scales, factor),
        scale_factor_init=factor)
    if cfg.get('test_cfg'):
        cfg.test_cfg.pkl_data = None
    return cfg


def _min_size(short_side: int, num_scales: int, factor: float) -> int:
    """``min_size`` for which our pyramid of the image has ``num_scales``.

    ``count_scales`` gives ``ceil(log(min_size / short) / log(f)) + 1``
    scales; it equals ``num_scales`` for ``min_size`` in
    ``[short * f**(n - 1), short * f**(n - 2))``: the smallest such integer.

    Args:
        short_side (int): Short side of the finest real image.
        num_scales (int): Index of the finest scale of the model.
        factor (float): ``scale_factor_init``.

    Returns:
        int: The min_size to state in the config.
    """
    if num_scales == 0:
        return short_side
    return min(short_side, math.ceil(short_side * factor**(num_scales - 1)
                                     - 1e-9))


def build_authors_model(cfg: Config, authors: AuthorsModel
                        ) -> Tuple[SinGAN, bool]:
    """Our model with the authors' weights and inference state.

    Args:
        cfg (Config): From :func:`authors_config`.
        authors (AuthorsModel): The converted folder.

    Returns:
        tuple: ``(model, has_critics)``: the model in eval mode, and whether
        the critics came from the folder (else they are freshly initialised;
        sampling does not use them).
    """
    model_cfg = cfg.model.copy()
    adapt_mmagic_model(model_cfg)
    model: SinGAN = MODELS.build(model_cfg)
    weights = model.state_dict()
    for key, value in authors.state_dict.items():
        if key not in weights or weights[key].shape != value.shape:
            want = tuple(weights[key].shape) if key in weights else 'no entry'
            raise ValueError(
                f'{authors.folder}: {key} has shape {tuple(value.shape)}, our '
                f'model ({authors.base_channels} channels, doubling every 4 '
                f'scales up to 128) has {want}: the model was trained with '
                'other --nfc/--min_nfc settings than those of the '
                "authors' config.py, which this importer supports.")
        weights[key] = value
    model.load_state_dict(weights, strict=True)
    model.eval()  # before the state: loading it runs the scales
    model.load_inference_state(authors.inference_state, authors.folder)
    has_critics = any(k.startswith('discriminator.')
                      for k in authors.state_dict)
    return model.eval(), has_critics
