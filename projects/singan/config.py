"""Checking and completing a SinGAN config before the Runner is built.

Configs state ``num_scales`` once (in ``model``); this module copies it to
the generator and discriminator, sets the train loop (``SinGANTrainLoop``,
which derives ``max_iters``) and the checkpoint interval (one per scale)
from the schedule, maps mmagic's keys, adds the snapshot, invalid-loss and
pickle hooks when a config lacks them, and checks ``num_scales`` against the
image, all before any long work starts.
"""

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from . import paper
from .apis.image_scales import image_num_scales, pyramid_settings
from .ops.image_size import network_field
from .ops.memory import memory_budget
from .apis.request_checks import check_training_counts
from .config_keys import check_component_args, check_model_args
from .engine.distributed import configure_distributed
from .interop.mmagic_config import adapt_mmagic_config
from .settings_schema import check_settings

__all__ = ['prepare_config', 'image_num_scales']

#: Hooks every SinGAN run has, added when a config lacks them.
_REQUIRED_HOOKS = ('SinGANSnapshotHook', 'CheckInvalidLossHook',
                   'PickleDataHook')
#: Our own classes of before the train loop, and what replaced them.
_LEGACY_TYPES = {'SinGANStageHook': 'SinGANSnapshotHook',
                 'IterBasedTrainLoop': 'SinGANTrainLoop'}


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
    check_settings(cfg)
    check_training_counts(cfg.model, cfg.get('custom_hooks') or [],
                          memory_budget(), _max_size(cfg))
    model = cfg.model
    if check_image and cfg.get('train_dataloader'):
        _sync_num_scales_with_image(model, cfg.train_dataloader.dataset)
    _sync_num_scales(model)
    adapt_mmagic_config(cfg)
    _complete_dataloader(cfg)
    configure_distributed(cfg)
    _set_train_loop(cfg)
    check_model_args(cfg)
    check_settings(cfg)  # again: mmagic's keys are mapped now
    _use_progress_logging(cfg)
    pkl = cfg.get('test_cfg', None) and cfg.test_cfg.get('pkl_data')
    if pkl:
        model.test_pkl_data = pkl
    if not cfg.get('test_dataloader'):
        # mmengine wants test_cfg and test_evaluator only with a test loop;
        # tools/test.py builds its own Runner (SinGANTestLoop) from them.
        cfg.test_cfg = None
        cfg.test_evaluator = None
    _ensure_hooks(cfg)
    return cfg


def _max_size(cfg: Config) -> int:
    """The long side of the finest scale, at most (``max_size``)."""
    loader = cfg.get('train_dataloader') or {}
    return (loader.get('dataset') or {}).get('max_size', paper.MAX_SIZE)


def _sync_num_scales_with_image(model: ConfigDict,
                                dataset: ConfigDict) -> None:
    """Derive ``num_scales`` (``None``) or check it against the image."""
    expected = image_num_scales(dataset, network_field(model))
    given = model.get('num_scales')
    if given is None:
        model.num_scales = expected
        print_log(f'num_scales={expected} for {dataset.data_root}.',
                  logger='current')
    elif given != expected:
        min_size, max_size, factor = pyramid_settings(dataset)
        raise ValueError(
            f'model.num_scales={given} but {dataset.data_root} with '
            f'min_size={min_size}, max_size={max_size} and scale_factor_init='
            f'{factor} gives num_scales={expected}. Set --cfg-options '
            f'model.num_scales={expected} (or None to derive it).')


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


def _set_train_loop(cfg: Config) -> None:
    """``SinGANTrainLoop`` over the schedule; a checkpoint after each scale.

    The loop derives ``max_iters = (num_scales + 1) x iters_per_scale``; a
    ``max_iters`` given in the config must equal it.
    """
    train_cfg = cfg.get('train_cfg') or ConfigDict()
    loop_type = train_cfg.get('type') or 'SinGANTrainLoop'
    train_cfg.type = _LEGACY_TYPES.get(loop_type, loop_type)
    iters = train_cfg.setdefault('iters_per_scale', paper.ITERS_PER_SCALE)
    if not isinstance(iters, int) or isinstance(iters, bool) or iters <= 0:
        raise ValueError(
            f'train_cfg.iters_per_scale={iters!r} must be a positive integer '
            f'(the paper uses {paper.ITERS_PER_SCALE}).')
    total = (cfg.model.num_scales + 1) * iters
    given = train_cfg.pop('max_iters', None)
    if given not in (None, total):
        raise ValueError(
            f'train_cfg.max_iters={given} does not match the schedule '
            f'(num_scales + 1) x iters_per_scale = {total}. Remove it; it is '
            'derived.')
    if not cfg.get('val_cfg'):
        train_cfg.pop('val_interval', None)
    cfg.train_cfg = train_cfg
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint is not None and checkpoint.get('interval') is None:
        checkpoint.interval = iters


def _use_progress_logging(cfg: Config) -> None:
    """mmengine's logger and log processor -> ours (scale, progress, ETA)."""
    logger = (cfg.get('default_hooks') or {}).get('logger')
    if logger is not None and logger.get('type') == 'LoggerHook':
        logger.type = 'SinGANLoggerHook'
    processor = cfg.get('log_processor')
    if processor is None:
        cfg.log_processor = ConfigDict(type='SinGANLogProcessor',
                                       by_epoch=False)
    elif processor.get('type', 'LogProcessor') == 'LogProcessor':
        processor.type = 'SinGANLogProcessor'


def _complete_dataloader(cfg: Config) -> None:
    """The one-image loader's sampler and collate function, when unset."""
    loader = cfg.get('train_dataloader')
    if loader:
        if loader.get('sampler') is None:
            loader.sampler = dict(type='InfiniteSampler', shuffle=False)
        loader.setdefault('collate_fn', dict(type='default_collate'))


def _ensure_hooks(cfg: Config) -> None:
    """Rename hooks of before the train loop; add the required ones."""
    for hook in cfg.custom_hooks:
        if hook.get('type') == 'SinGANStageHook':
            hook.type = _LEGACY_TYPES['SinGANStageHook']
            if 'num_snapshot_samples' in hook:
                hook.num_samples = hook.pop('num_snapshot_samples')
    types = [h.get('type') for h in cfg.custom_hooks]
    for hook in _REQUIRED_HOOKS:
        if hook not in types:
            cfg.custom_hooks.append(ConfigDict(type=hook))
