"""Checking and completing a SinGAN config before the Runner is built.

Configs state ``num_scales`` once (in ``model``); this module copies it to
the generator and discriminator, derives ``train_cfg.max_iters`` from the
schedule, maps mmagic's key for the test pickle, adds the stage and pickle
hooks when a config lacks them, and checks ``num_scales`` against the image,
all before any long work starts.
"""
import copy
import os.path as osp

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from .apis.limits import check_image_fits, memory_budget, network_field
from .apis.request_checks import check_training_counts
from .config_keys import check_component_args
from .engine.distributed import configure_distributed
from .fileio.image_io import read_image
from .interop.mmagic_config import adapt_mmagic_config
from .ops.pyramid import count_scales

__all__ = ['prepare_config', 'image_num_scales']

#: mmagic config entries with no counterpart here, dropped with a log line.
_MMAGIC_ONLY_HOOKS = ('GenVisualizationHook', )
_MMAGIC_PREPROCESSORS = ('GenDataPreprocessor', 'DataPreprocessor',
                         'EditDataPreprocessor')


def image_num_scales(dataset_cfg: dict, field: int = 11) -> int:
    """``num_scales`` (index of the finest scale) of a dataset config.

    Args:
        dataset_cfg (dict): ``SinGANDataset`` config with ``data_root``,
            ``min_size``, ``max_size`` and ``scale_factor_init``.
        field (int): The smallest side the network accepts
            (``limits.network_field``).

    Returns:
        int: The stop scale of the image's pyramid.
    """
    height, width = read_image(dataset_cfg['data_root']).shape[:2]
    check_image_fits(height, width, dataset_cfg.get('min_size', 25),
                     dataset_cfg.get('max_size', 250), field)
    stop_scale, _ = count_scales(height, width,
                                 dataset_cfg.get('min_size', 25),
                                 dataset_cfg.get('max_size', 250),
                                 dataset_cfg.get('scale_factor_init', 0.75))
    return stop_scale


def prepare_config(cfg: Config, check_image: bool = True) -> Config:
    """Validate a SinGAN config and derive its dependent values in place.

    Args:
        cfg (Config): A config of ``configs/singan`` or of mmagic.
        check_image (bool): Read the training image and check or derive
            ``num_scales`` from it. ``False`` at test time, when the image
            may be absent.

    Returns:
        Config: The same object, completed.
    """
    check_component_args(cfg)
    check_training_counts(cfg.model, cfg.get('custom_hooks') or [],
                          memory_budget(), _max_size(cfg))
    model = cfg.model
    if check_image and cfg.get('train_dataloader'):
        _sync_num_scales_with_image(model, cfg.train_dataloader.dataset)
    _sync_num_scales(model)
    _adapt_mmagic_keys(cfg)
    adapt_mmagic_config(cfg)
    configure_distributed(cfg)
    _set_max_iters(cfg)
    pkl = cfg.get('test_cfg', None) and cfg.test_cfg.get('pkl_data')
    if pkl:
        model.test_pkl_data = pkl
    if not cfg.get('test_dataloader'):
        # mmengine wants test_cfg only with a test loop; tools/test.py
        # samples directly, so only the pickle path was needed from it.
        cfg.test_cfg = None
    _ensure_hooks(cfg)
    return cfg


def _max_size(cfg: Config) -> int:
    """The long side of the finest scale, at most (``max_size``)."""
    loader = cfg.get('train_dataloader') or {}
    return (loader.get('dataset') or {}).get('max_size', 250)


def _sync_num_scales_with_image(model: ConfigDict, dataset: ConfigDict) -> None:
    """Derive ``num_scales`` (``None``) or check it against the image."""
    expected = image_num_scales(dataset, network_field(model))
    given = model.get('num_scales')
    if given is None:
        model.num_scales = expected
        print_log(f'num_scales={expected} for {dataset.data_root}.',
                  logger='current')
    elif given != expected:
        raise ValueError(
            f'model.num_scales={given} but {dataset.data_root} with '
            f'min_size={dataset.get("min_size", 25)}, max_size='
            f'{dataset.get("max_size", 250)} and scale_factor_init='
            f'{dataset.get("scale_factor_init", 0.75)} gives num_scales='
            f'{expected}. Set --cfg-options model.num_scales={expected} (or '
            'None to derive it).')


def _sync_num_scales(model: ConfigDict) -> None:
    """One ``num_scales`` for model, generator and discriminator."""
    values = {
        name: part.get('num_scales')
        for name, part in (('model', model), ('generator', model.generator),
                           ('discriminator', model.discriminator))
        if part.get('num_scales') is not None
    }
    if not values:
        raise ValueError('model.num_scales is not set; run tools/'
                         'get_num_scales.py IMAGE to get it, or set None '
                         'with a training image to derive it.')
    if len(set(values.values())) > 1:
        raise ValueError(f'num_scales disagree: {values}. Set only '
                         'model.num_scales; it is copied to the networks.')
    num_scales = next(iter(values.values()))
    for part in (model, model.generator, model.discriminator):
        part.num_scales = num_scales


def _set_max_iters(cfg: Config) -> None:
    """``train_cfg.max_iters`` = (num_scales + 1) x iters_per_scale."""
    model = cfg.model
    iters = model.get('iters_per_scale', 2000)
    if not isinstance(iters, int) or iters <= 0:
        raise ValueError(f'model.iters_per_scale={iters!r} must be a '
                         'positive integer (the paper uses 2000).')
    total = (model.num_scales + 1) * iters
    train_cfg = cfg.get('train_cfg') or ConfigDict()
    given = train_cfg.get('max_iters')
    d_steps = model.get('discriminator_steps', 3)
    if given == total * d_steps and d_steps != 1:
        print_log(
            f'train_cfg.max_iters={given} counts critic steps (mmagic); here '
            f'one iteration is {d_steps} critic + generator steps, so '
            f'max_iters={total}.', logger='current')
    elif given not in (None, total):
        raise ValueError(
            f'train_cfg.max_iters={given} does not match the schedule '
            f'(num_scales + 1) x iters_per_scale = {total}. Remove it; it is '
            'derived.')
    train_cfg.update(type='IterBasedTrainLoop', max_iters=total)
    train_cfg.pop('val_interval', None) if not cfg.get('val_cfg') else None
    cfg.train_cfg = train_cfg


def _adapt_mmagic_keys(cfg: Config) -> None:
    """Drop what only mmagic's configs carry (see docs/mmagic.md)."""
    model = cfg.model
    pre = model.get('data_preprocessor')
    if pre and pre.get('type') in _MMAGIC_PREPROCESSORS:
        model.pop('data_preprocessor')
    for key in ('data_preprocessor', ):
        if cfg.get(key, None) and cfg[key].get('type') in _MMAGIC_PREPROCESSORS:
            cfg.pop(key)
    hooks = cfg.get('custom_hooks') or []
    kept = [h for h in hooks if h.get('type') not in _MMAGIC_ONLY_HOOKS]
    if len(kept) != len(hooks):
        print_log('GenVisualizationHook is mmagic-only; snapshots per scale '
                  'come from SinGANStageHook.', logger='current')
    cfg.custom_hooks = kept
    loader = cfg.get('train_dataloader')
    if loader:
        loader.dataset.pop('pipeline', None)
        if loader.get('sampler') is None:
            loader.sampler = dict(type='InfiniteSampler', shuffle=False)
        loader.setdefault('collate_fn', dict(type='default_collate'))


def _ensure_hooks(cfg: Config) -> None:
    """Add ``SinGANStageHook`` and ``PickleDataHook`` when missing."""
    types = [h.get('type') for h in cfg.custom_hooks]
    for hook in ('SinGANStageHook', 'PickleDataHook'):
        if hook not in types:
            cfg.custom_hooks.append(ConfigDict(type=hook))
