"""A model of the authors' code as our SinGAN: config, weights, state.

``interop/authors.py`` reads and converts the authors' folder; here the
converted weights go into our model, built from a config that states what
the folder implies (scales, widths, the training image at the finest scale,
the pyramid sizes of ``reals.pth``, and their resize between scales).
"""
import os.path as osp
from typing import Tuple

from mmengine.config import Config

from ..interop.authors import AuthorsModel, AuthorsModelError
from ..interop.mmagic_config import adapt_mmagic_model
from ..models.singan import SinGAN
from ..ops.cascade import authors_resize_setting
from ..registry import MODELS

__all__ = ['RESIZES', 'authors_config', 'build_authors_model']

#: Resizes between scales an imported model can use (``--resize``).
RESIZES = ('authors', 'bicubic')


def authors_config(base: Config, authors: AuthorsModel, image_path: str,
                   resize: str = 'authors') -> Config:
    """The config of an imported model, from a base config.

    Args:
        base (Config): A SinGAN config (e.g. ``_base_/singan.py``); copied.
        authors (AuthorsModel): The converted folder.
        image_path (str): Where the finest real image was written (PNG); it
            becomes the dataset image, with the model's own pyramid sizes
            (``sizes``, from ``reals.pth``), so every application and metric
            sees the scales the model was trained at.
        resize (str): The resize between scales: ``'authors'`` (theirs,
            ``ops/authors_resize.py``: what their ``SinGAN_generate`` gives)
            or ``'bicubic'`` (ours, ``align_corners=False``).

    Returns:
        Config: With ``model.num_scales``, the widths, the resize and the
        dataset set.
    """
    if resize not in RESIZES:
        raise ValueError(f'resize={resize!r}: use one of {list(RESIZES)}.')
    factor = authors.scale_factor
    if resize == 'authors' and factor is None and authors.num_scales > 0:
        raise AuthorsModelError(
            f'{authors.folder}: the scale sizes {authors.sizes} of reals.pth '
            'follow no scale factor of the authors\' pyramid (ceil(side * '
            'f ** k)), so their resize between scales cannot be rebuilt. '
            'Import with --resize bicubic (ours).')
    cfg = base.copy()
    widths = dict(num_scales=authors.num_scales,
                  base_channels=authors.base_channels,
                  min_feat_channels=authors.min_feat_channels)
    cfg.model.num_scales = authors.num_scales
    cfg.model.test_pkl_data = None
    between = authors_resize_setting(factor) if resize == 'authors' and \
        factor is not None else False
    cfg.model.generator = dict(cfg.model.generator, align_corners=between,
                               **widths)
    cfg.model.discriminator = dict(cfg.model.discriminator, **widths)
    height, width = authors.sizes[-1]
    cfg.train_dataloader.dataset = dict(
        cfg.train_dataloader.dataset, data_root=osp.abspath(image_path),
        max_size=int(max(height, width)), min_size=min(authors.sizes[0]),
        scale_factor_init=authors.scale_factor_init,
        sizes=[list(size) for size in authors.sizes])
    if cfg.get('test_cfg'):
        cfg.test_cfg.pkl_data = None
    return cfg


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
