"""Configs written for mmagic's SinGAN, made runnable here.

mmagic's SinGAN keys (``model.num_scales``, ``iters_per_scale``,
``generator_steps``, ``discriminator_steps``, ``noise_weight_init``,
``lr_scheduler_args``, ``test_pkl_data``, the dataset's ``min_size``,
``max_size``, ``scale_factor_init``, ``data_root``) mean the same here and
pass unchanged. What names mmagic-only classes is mapped to mmengine's
equivalent or dropped, each with one log line; docs/mmagic.md lists them.
"""
from mmengine.config import Config
from mmengine.logging import print_log

from .. import paper

__all__ = ['adapt_mmagic_config', 'adapt_mmagic_model']

#: mmagic class names with an mmengine equivalent.
_RENAMED = {
    'VisBackend': 'LocalVisBackend',
    'GenVisBackend': 'LocalVisBackend',
    'GenVisualizer': 'Visualizer',
    'GenIterTimerHook': 'IterTimerHook',
    'GenLogProcessor': 'LogProcessor',
}
#: mmagic hooks with no counterpart (snapshots come from SinGANSnapshotHook).
_DROPPED_HOOKS = ('VisualizationHook', 'GenVisualizationHook')
#: ``train_cfg`` keys of mmagic's runtime that ``IterBasedTrainLoop`` lacks.
_LOOP_KEYS = ('by_epoch', )
#: mmagic's data preprocessors; ours is mmengine's default.
_PREPROCESSORS = ('GenDataPreprocessor', 'DataPreprocessor',
                  'EditDataPreprocessor')
#: mmagic model keys that have no meaning here (see docs/mmagic.md).
_IGNORED_MODEL_KEYS = ('fixed_noise_with_pad', 'first_fixed_noises_ch',
                       'test_cfg', 'train_cfg', 'ema_confg')


def _rename(part: dict, where: str) -> None:
    """Replace an mmagic ``type`` by mmengine's, in place."""
    old = part.get('type') if isinstance(part, dict) else None
    if old in _RENAMED:
        part['type'] = _RENAMED[old]
        print_log(f'{where}: mmagic type {old} -> {_RENAMED[old]}.',
                  logger='current')


def adapt_mmagic_config(cfg: Config) -> Config:
    """Map or drop the entries only mmagic's configs carry, in place.

    Args:
        cfg (Config): A config, ours or written for mmagic; ours pass
            through unchanged.

    Returns:
        Config: The same object.
    """
    visualizer = cfg.get('visualizer') or {}
    _rename(visualizer, 'visualizer')
    for backend in visualizer.get('vis_backends') or []:
        _rename(backend, 'visualizer.vis_backends')
    for backend in cfg.get('vis_backends') or []:
        _rename(backend, 'vis_backends')
    for name, hook in (cfg.get('default_hooks') or {}).items():
        _rename(hook, f'default_hooks.{name}')
    _rename(cfg.get('log_processor') or {}, 'log_processor')
    hooks = cfg.get('custom_hooks') or []
    kept = [h for h in hooks if h.get('type') not in _DROPPED_HOOKS]
    if len(kept) != len(hooks):
        print_log(f'custom_hooks: dropped mmagic-only {_DROPPED_HOOKS} '
                  '(snapshots per scale come from SinGANSnapshotHook).',
                  logger='current')
        cfg.custom_hooks = kept
    _move_schedule_keys(cfg)
    pre = cfg.get('data_preprocessor', None)
    if pre and pre.get('type') in _PREPROCESSORS:
        cfg.pop('data_preprocessor')
    loader = cfg.get('train_dataloader')
    if loader:
        loader.dataset.pop('pipeline', None)  # the dataset serves tensors
    train_cfg = cfg.get('train_cfg') or {}
    for key in _LOOP_KEYS:
        train_cfg.pop(key, None)
    if not cfg.get('val_cfg'):
        train_cfg.pop('val_begin', None)
    return cfg


def adapt_mmagic_model(model: dict) -> dict:
    """Remove mmagic's schedule, preprocessor and unused keys from a model.

    Args:
        model (dict): A ``model`` config, changed in place.

    Returns:
        dict: The schedule as ``train_cfg`` keys: ``iters_per_scale``,
        ``lr_milestones``, ``gamma`` (and ``single_thread_pixels``, which
        our own configs kept in ``model`` before the train loop), where
        ``model`` had them.
    """
    for key in _IGNORED_MODEL_KEYS:
        model.pop(key, None)
    pre = model.get('data_preprocessor')
    if pre and pre.get('type') in _PREPROCESSORS:
        model.pop('data_preprocessor')
    moved = {
        key: model.pop(key)
        for key in ('iters_per_scale', 'single_thread_pixels') if key in model
    }
    lr_args = model.pop('lr_scheduler_args', None) or {}
    if 'milestones' in lr_args:
        moved['lr_milestones'] = list(lr_args['milestones'])
    if 'gamma' in lr_args:
        moved['gamma'] = lr_args['gamma']
    return moved


def _move_schedule_keys(cfg: Config) -> None:
    """mmagic states the schedule in ``model``; here the train loop owns it.

    ``model.iters_per_scale`` and ``model.lr_scheduler_args`` (milestones,
    gamma) move to ``train_cfg``, replacing what it had, with a log line.
    """
    moved = adapt_mmagic_model(cfg.model)
    if not moved:
        return
    train_cfg = cfg.get('train_cfg') or {}
    train_cfg.update(moved)
    cfg.train_cfg = train_cfg
    print_log(f'model: mmagic schedule keys -> train_cfg {moved}.',
              logger='current')
    _convert_max_iters(cfg)


def _convert_max_iters(cfg: Config) -> None:
    """mmagic's ``max_iters`` counts critic steps; ours is derived."""
    train_cfg = cfg.get('train_cfg') or {}
    given = train_cfg.get('max_iters')
    d_steps = cfg.model.get('discriminator_steps', paper.DISCRIMINATOR_STEPS)
    iters = train_cfg.get('iters_per_scale', paper.ITERS_PER_SCALE)
    total = (cfg.model.num_scales + 1) * iters
    if given is not None and d_steps != 1 and given == total * d_steps:
        train_cfg.pop('max_iters')
        print_log(
            f'train_cfg.max_iters={given} counts critic steps (mmagic); here '
            f'one iteration is {d_steps} critic + generator steps, so '
            f'max_iters={total}.', logger='current')
