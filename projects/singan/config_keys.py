"""Keys of ``--cfg-options`` and of config parts, checked before building.

mmengine merges ``--cfg-options`` keys into the config whether the config
has them or not, and a class that takes ``**kwargs`` then ignores a misspelt
argument (``max_sise=48``). Here every key given on the command line must
name a key the config has, or an argument of the class the enclosing dict
builds (its ``type``, found in our registries, which fall back to
mmengine's); otherwise the error names the closest valid key. Datasets and
hooks of the config file itself are checked the same way.
"""
import difflib
import inspect
from typing import Any, Iterable, List, Optional, Sequence, Set

from mmengine.config import Config, ConfigDict

from . import registry
from .cli import UserInputError
from .settings_schema import check_settings

__all__ = ['check_option_keys', 'merge_cli_options', 'check_component_args',
           'check_model_args',
           'check_option_paths', 'apply_path_arguments']

#: Keys of input files, and the argument that takes such a path whole.
_PATH_KEYS = {'data_root': '--image', 'pkl_data': '--pkl',
              'test_pkl_data': '--pkl', 'load_from': None}

#: Registries searched for a dict's ``type``, most specific first.
_REGISTRIES = ('MODELS', 'DATASETS', 'HOOKS', 'LOOPS', 'DATA_SAMPLERS',
               'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
               'PARAM_SCHEDULERS', 'LOG_PROCESSORS', 'VISUALIZERS',
               'VISBACKENDS', 'FUNCTIONS')
#: Keys of dicts without ``type`` that their reader accepts.
_KNOWN = {
    'randomness': {'seed', 'diff_rank_seed', 'deterministic'},
    'env_cfg': {'cudnn_benchmark', 'mp_cfg', 'dist_cfg'},
    'env_cfg.mp_cfg': {'mp_start_method', 'opencv_num_threads'},
    'test_cfg': {'pkl_data'},
    'model.lr_scheduler_args': {'milestones', 'gamma'},
    'default_hooks': {'runtime_info', 'timer', 'logger', 'param_scheduler',
                      'checkpoint', 'sampler_seed'},
}
#: Top-level keys read by our tools, beyond the Runner's arguments.
_TOP_LEVEL = {'checkpoint_format', 'work_dir', 'launcher', 'resume',
              'load_from', 'custom_imports', 'default_scope',
              'console_log_level'}


def _arguments(obj: Any) -> Set[str]:
    """Named arguments of a class (and its bases) or function."""
    names: Set[str] = set()
    targets = [k.__init__ for k in inspect.getmro(obj)
               if '__init__' in vars(k)] if inspect.isclass(obj) else [obj]
    for target in targets:
        try:
            params = inspect.signature(target).parameters.values()
        except (TypeError, ValueError):
            continue
        names |= {p.name for p in params if p.name != 'self' and p.kind
                  not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break  # no **kwargs: the bases' arguments cannot arrive
    return names


def _built_type(node: dict) -> Optional[Any]:
    """The class or function a config dict's ``type`` names, if found."""
    kind = node.get('type')
    if not isinstance(kind, str):
        return kind if callable(kind) else None
    for name in _REGISTRIES:
        found = getattr(registry, name).get(kind)
        if found is not None:
            return found
    return None


def _valid_keys(node: dict, path: Sequence[str]) -> Set[str]:
    """Keys a dict at ``path`` may have."""
    keys = set(node)
    where = '.'.join(path)
    if not path:
        from mmengine.runner import Runner
        keys |= _arguments(Runner) | _TOP_LEVEL
    elif path[-1].endswith('dataloader'):
        from torch.utils.data import DataLoader
        keys |= _arguments(DataLoader)
    keys |= _KNOWN.get(where, set())
    built = _built_type(node)
    if built is not None:
        keys |= _arguments(built) | {'type'}
    return keys


#: Keys of before the train loop (and mmagic's), and where they live now.
_MOVED = {
    'model.iters_per_scale': 'train_cfg.iters_per_scale',
    'model.lr_scheduler_args': 'train_cfg.lr_milestones / train_cfg.gamma',
    'model.single_thread_pixels': 'train_cfg.single_thread_pixels',
}


def _unknown_key(option: str, part: str, path: List[str],
                 valid: Iterable[str]) -> UserInputError:
    """The error for a key the config and its classes do not have."""
    where = '.'.join(path) + '.' if path else ''
    moved = _MOVED.get(where + part)
    if moved:
        return UserInputError(
            f'--cfg-options {option}: {where}{part} is now {moved} (the '
            'train loop owns the schedule). Pass --cfg-options '
            f'{option.replace(where + part, moved.split(" ")[0], 1)}'
            f'=VALUE instead; nothing was changed.')
    valid = sorted(k for k in valid if not k.startswith('_'))
    close = difflib.get_close_matches(part, valid, n=1, cutoff=0.6)
    hint = f'did you mean {where}{close[0]}? ' if close else ''
    listed = ', '.join(valid[:30]) + (', ...' if len(valid) > 30 else '')
    return UserInputError(
        f'--cfg-options {option}: the config has no key {where}{part} '
        f'({hint}valid keys {"under " + where[:-1] if path else "at the top"}'
        f': {listed}). Check the spelling; nothing was changed.')


def check_option_keys(cfg: Config, options: dict) -> None:
    """Raise unless every ``--cfg-options`` key names a valid config key.

    Args:
        cfg (Config): The config, before the options are merged.
        options (dict): ``{dotted.key: value}`` as parsed by ``DictAction``.

    Returns:
        None
    """
    for option in options:
        node: Any = cfg._cfg_dict if isinstance(cfg, Config) else cfg
        path: List[str] = []
        for part in option.split('.'):
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise UserInputError(
                        f'--cfg-options {option}: {".".join(path)} is a list '
                        f'of {len(node)}; use an index 0..{len(node) - 1}.')
                node = node[int(part)]
            elif isinstance(node, dict):
                valid = _valid_keys(node, path)
                if part not in valid:
                    raise _unknown_key(option, part, path, valid)
                node = node.get(part)
            elif node is None:
                break  # a new dict replaces None; the class checks it
            else:
                raise UserInputError(
                    f'--cfg-options {option}: {".".join(path)} is '
                    f'{node!r}, not a dict, so it has no key {part!r}. Set '
                    f'{".".join(path)}=VALUE itself.')
            path.append(part)
        if path and path[-1] == 'type':
            _check_type_name(option, options[option])


def _registered_names() -> Set[str]:
    """Every name in our registries and their mmengine parents."""
    names: Set[str] = set()
    for name in _REGISTRIES:
        reg = getattr(registry, name)
        while reg is not None:
            names |= set(reg.module_dict)
            reg = reg.parent
    return names


def _check_type_name(option: str, value: Any) -> None:
    """A ``type`` given on the command line must be registered."""
    if not isinstance(value, str) or _built_type({'type': value}):
        return
    close = difflib.get_close_matches(value, sorted(_registered_names()),
                                      n=1, cutoff=0.6)
    hint = f'did you mean {close[0]}? ' if close else ''
    raise UserInputError(
        f'--cfg-options {option}={value}: no class or function of that name '
        f'is registered ({hint}see singan/registry.py and mmengine\'s '
        'registries). Check the spelling; nothing was changed.')


def merge_cli_options(cfg: Config, options: Optional[dict]) -> Config:
    """Check ``--cfg-options`` keys, merge them, then check the values.

    A key under a ``None`` (``test_cfg.pkl_data`` in the config a training
    writes, which holds ``test_cfg = None``) makes that ``None`` a dict;
    mmengine's merge would refuse it with a ``TypeError``. The merged
    values are checked against their declared types and ranges
    (:func:`settings_schema.check_settings`).

    Args:
        cfg (Config): The loaded config.
        options (dict, optional): Parsed ``--cfg-options``; ``None``: none.

    Returns:
        Config: ``cfg``, merged.
    """
    if options:
        check_option_keys(cfg, options)
        for option in options:
            _dicts_for_none(cfg, option.split('.')[:-1])
        cfg.merge_from_dict(options)
    check_settings(cfg)
    return cfg


def _dicts_for_none(cfg: Config, path: Sequence[str]) -> None:
    """Replace a ``None`` on ``path`` (dict keys only) by an empty dict."""
    node: Any = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for part in path:
        if not isinstance(node, dict):
            return
        if node.get(part) is None:
            node[part] = ConfigDict()
        node = node[part]


def check_component_args(cfg: Config) -> None:
    """Refuse arguments the dataset and the hooks of a config do not take.

    Args:
        cfg (Config): The merged config.

    Returns:
        None
    """
    parts = []
    loader = cfg.get('train_dataloader')
    if loader and loader.get('dataset'):
        parts.append(('train_dataloader.dataset', loader.dataset))
    for name, hook in (cfg.get('default_hooks') or {}).items():
        parts.append((f'default_hooks.{name}', hook))
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        parts.append((f'custom_hooks.{i}', hook))
    _check_parts(parts)


def check_model_args(cfg: Config) -> None:
    """Refuse arguments the model and the train loop do not take.

    Run after mmagic's keys are mapped (``interop/mmagic_config.py``), so
    only keys that nothing reads are left to refuse.

    Args:
        cfg (Config): The config, mmagic's keys already mapped.

    Returns:
        None
    """
    _check_parts([(name, cfg.get(name)) for name in ('model', 'train_cfg')
                  if cfg.get(name)])


def _check_parts(parts: Sequence[tuple]) -> None:
    """Raise on the first argument a config part's class does not take."""
    for where, part in parts:
        built = _built_type(part) if isinstance(part, dict) else None
        if built is None:
            continue
        valid = _arguments(built) | {'type'}
        for key in part:
            if key not in valid:
                close = difflib.get_close_matches(key, sorted(valid), n=1)
                hint = f'; did you mean {close[0]}?' if close else ''
                raise UserInputError(
                    f'{where} ({part["type"]}) has the argument {key!r}, '
                    f'which {part["type"]} does not take{hint} Valid: '
                    f'{", ".join(sorted(valid - {"type"}))}.')


def check_option_paths(cfg: Config, raw: Optional[dict]) -> None:
    """Explain an input path from ``--cfg-options`` that does not exist.

    Args:
        cfg (Config): The merged config.
        raw (dict, optional): ``namespace.cfg_options_raw``: the values as
            typed (``CfgOptionsAction``).

    Returns:
        None
    """
    import os.path as osp
    for key, typed in (raw or {}).items():
        name = key.split('.')[-1]
        if name not in _PATH_KEYS:
            continue
        value = cfg
        for part in key.split('.'):
            value = value[int(part)] if isinstance(value, list) else \
                value.get(part)
        if not isinstance(value, str) or not value or osp.exists(value):
            continue
        from .fileio.paths import is_url, url_problem
        if is_url(value) and name == 'load_from':
            continue  # mmengine downloads it
        if is_url(value):
            raise UserInputError(f'{key} (from --cfg-options): '
                                 f'{url_problem(value)}')
        flag = _PATH_KEYS[name]
        how = (f"pass it with {flag} '{typed}'" if flag else
               'rename the file (or link it) to a path without spaces')
        spaces = (f'you typed {typed!r}: --cfg-options removes spaces from '
                  f'values, so {how}' if typed.strip('\'"') != value else
                  f'check the path. Note that --cfg-options removes spaces '
                  f'from values; a path with spaces must be given with '
                  f'{flag or "no spaces"}')
        from .fileio.paths import link_problem
        problem = link_problem(value)
        if problem:
            raise UserInputError(f'{key}={value!r} (from --cfg-options) '
                                 f'cannot be opened: {problem}.')
        raise UserInputError(
            f'{key}={value!r} (from --cfg-options) does not exist; {spaces}.')


def apply_path_arguments(cfg: Config, args) -> Config:
    """Set ``--image`` and ``--pkl`` in the config, then check the paths.

    Args:
        cfg (Config): The config, ``--cfg-options`` merged.
        args (argparse.Namespace): With optional ``image``, ``pkl`` and
            ``cfg_options_raw``.

    Returns:
        Config: ``cfg``.
    """
    raw = dict(getattr(args, 'cfg_options_raw', None) or {})
    if getattr(args, 'image', None):
        if not cfg.get('train_dataloader'):
            raise UserInputError('--image: the config has no '
                                 'train_dataloader to set it in.')
        cfg.train_dataloader.dataset.data_root = args.image
        raw.pop('train_dataloader.dataset.data_root', None)
    if getattr(args, 'pkl', None) and cfg.get('test_cfg') is not None:
        cfg.test_cfg.pkl_data = args.pkl
        raw = {k: v for k, v in raw.items()
               if not k.endswith(('pkl_data', 'test_pkl_data'))}
    check_option_paths(cfg, raw)
    return cfg
