"""Loading pickles and checkpoints without running code from them.

``pickle.load`` calls whatever a file names, so a downloaded SinGAN pickle or
checkpoint could run any code. Every file here is read by a restricted
unpickler that builds only data: dicts, lists, tuples, numbers, strings,
numpy arrays and dtypes, torch tensors (as ``torch.load(weights_only=True)``
does) and mmengine's ``HistoryBuffer`` log records, which its checkpoints
hold. Anything else is refused before it is called.

Who trusts what:
    - ``.pkl`` inference states (ours or mmagic's): data only, numpy arrays.
    - Checkpoints (our own runs, resumed with ``--resume``, and files from
      elsewhere): the same restricted loader, extended with the tensor
      rebuilders of ``weights_only=True`` and ``HistoryBuffer``. It replaces
      mmengine's loader for local paths (mmengine 0.10.7 calls
      ``torch.load`` with torch's ``weights_only`` default, which refuses its
      own checkpoints under torch >= 2.6).
"""
import functools
import os
import os.path as osp
import pickle
import types
from typing import Any, Mapping, Optional, Tuple, Union

import torch
from mmengine.runner import CheckpointLoader

__all__ = ['UnsafeFileError', 'CheckpointLoadError', 'load_pickle',
           'load_checkpoint_file', 'load_torch_file', 'check_checkpoint_arrays']

_DATA_GLOBALS = {
    ('collections', 'OrderedDict'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', 'scalar'),
    ('_codecs', 'encode'),
    ('builtins', 'set'),
    ('builtins', 'frozenset'),
    ('builtins', 'complex'),
    ('builtins', 'slice'),
    ('__builtin__', 'set'),
}
_TENSOR_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'),
    ('torch._utils', '_rebuild_parameter'),
    ('torch._utils', '_rebuild_parameter_with_state'),
    ('torch', 'Size'),
    ('torch', 'device'),
    ('mmengine.logging.history_buffer', 'HistoryBuffer'),
}


class UnsafeFileError(pickle.UnpicklingError):
    """A file asks to build something that is not plain data."""


class CheckpointLoadError(ValueError):
    """A file that is not a readable checkpoint or pickle."""


def _history_buffer_getattr(obj: Any, name: str, source: str) -> Any:
    """``getattr`` limited to the statistics methods of a HistoryBuffer.

    mmengine pickles ``HistoryBuffer.statistics_methods`` (bound methods
    ``min``/``max``/``mean``/``current``) through ``getattr``.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    target = obj if isinstance(obj, type) else type(obj)
    if (isinstance(name, str) and not name.startswith('_')
            and issubclass(target, HistoryBuffer)
            and (name in ('min', 'max', 'mean', 'current')
                 or name in HistoryBuffer._statistics_methods)):
        return getattr(obj, name)
    raise UnsafeFileError(
        f'{source} asks for getattr({type(obj).__name__}, {name!r}), which '
        'is not data a SinGAN pickle or checkpoint holds; refusing to load it '
        '(nothing from the file was run). Get the file from a source you '
        'trust.')


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` returns only allow-listed objects.

    ``stand_ins`` maps ``(module, name)`` to the object returned instead of
    importing it (inert records for files that name classes, see
    ``interop/authors.py``); nothing it names is imported.
    """

    allow_tensors = False
    source = 'the file'
    stand_ins: Mapping[Tuple[str, str], Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in self.stand_ins:
            return self.stand_ins[key]
        if key in _DATA_GLOBALS or (self.allow_tensors
                                    and key in _TENSOR_GLOBALS):
            return super().find_class(module, name)
        if module == 'numpy.dtypes' and name.endswith('DType'):
            return super().find_class(module, name)
        if self.allow_tensors and module == 'torch' and isinstance(
                getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if self.allow_tensors and key in (('builtins', 'getattr'),
                                          ('__builtin__', 'getattr')):
            return functools.partial(_history_buffer_getattr,
                                     source=self.source)
        raise UnsafeFileError(
            f'{self.source} asks to load {module}.{name}, which is not data a '
            'SinGAN pickle or checkpoint holds; refusing to load it (nothing '
            'from the file was run). Get the file from a source you trust, '
            'or re-save it as plain tensors and arrays.')


def _restricted_module(source: str, allow_tensors: bool,
                       stand_ins: Optional[Mapping] = None
                       ) -> types.ModuleType:
    """A ``pickle``-like module for ``torch.load(pickle_module=...)``."""
    unpickler = type('Unpickler', (_RestrictedUnpickler, ),
                     dict(source=source, allow_tensors=allow_tensors,
                          stand_ins=dict(stand_ins or {})))
    module = types.ModuleType('singan_restricted_pickle')
    module.Unpickler = unpickler
    module.load = lambda f, **kw: unpickler(f, **kw).load()
    module.__dict__.update(
        UnpicklingError=pickle.UnpicklingError, Pickler=pickle.Pickler)
    return module


_PICKLE_FIX = ('Pass the .pkl written by training with --cfg-options '
               'test_cfg.pkl_data=WORK_DIR/pickle/iter_N.pkl.')
_CHECKPOINT_FIX = ('Pass a .pth written by training (WORK_DIR/iter_N.pth); '
                   'after a crash, take the previous one.')


def _check_file(path: str, what: str, fix: str) -> None:
    """Raise a clear error for a missing, folder, special or empty path."""
    from .paths import check_input_file
    check_input_file(path, what, fix)  # missing, URL, folder, pipe, ...
    if osp.getsize(path) == 0:
        raise CheckpointLoadError(f'{what} {path!r} is empty (0 bytes). '
                                  f'{fix}')


def load_pickle(path: Union[str, os.PathLike]) -> Any:
    """Load a ``.pkl`` file as data only (numpy arrays, lists, dicts, ...).

    Args:
        path (str | PathLike): The pickle, e.g. ``work_dir/pickle/iter_N.pkl``.

    Returns:
        Any: The unpickled data.
    """
    path = os.fspath(path)
    _check_file(path, 'Pickle', _PICKLE_FIX)
    module = _restricted_module(path, allow_tensors=False)
    try:
        with open(path, 'rb') as f:
            return module.Unpickler(f).load()
    except UnsafeFileError:
        raise
    except Exception as err:
        raise CheckpointLoadError(
            f'{path!r} is not a readable pickle ({type(err).__name__}: '
            f'{err}). {_PICKLE_FIX}') from err


def load_checkpoint_file(path: Union[str, os.PathLike],
                         map_location: Any = 'cpu') -> Any:
    """Load a checkpoint with tensors and log records, running no code.

    Args:
        path (str | PathLike): A ``.pth`` file from mmengine or torch.save.
        map_location: As for ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        Any: The checkpoint, usually a dict.
    """
    return load_torch_file(path, 'Checkpoint', _CHECKPOINT_FIX, map_location)


def load_torch_file(path: Union[str, os.PathLike], what: str, fix: str,
                    map_location: Any = 'cpu',
                    stand_ins: Optional[Mapping[Tuple[str, str], Any]] = None
                    ) -> Any:
    """``torch.load`` through the restricted unpickler (tensors and data).

    Args:
        path (str | PathLike): A file written by ``torch.save``.
        what (str): What the file is, for the messages (``'Checkpoint'``).
        fix (str): What to do about a missing or unreadable file.
        map_location: As for ``torch.load``. Defaults to ``'cpu'``.
        stand_ins (Mapping, optional): ``(module, name) -> object`` returned
            for those names instead of importing them.

    Returns:
        Any: The unpickled object.
    """
    path = os.fspath(path)
    _check_file(path, what, fix)
    module = _restricted_module(path, True, stand_ins)
    try:
        return torch.load(path, map_location=map_location,
                          pickle_module=module, weights_only=False)
    except UnsafeFileError:
        raise
    except Exception as err:
        raise CheckpointLoadError(
            f'{path!r} is not a readable PyTorch {what.lower()} '
            f'({type(err).__name__}: {err}). {fix}') from err


def _tensors(tree: Any, prefix: str = ''):
    """``(key, tensor)`` of every tensor in nested dicts / lists."""
    if isinstance(tree, torch.Tensor):
        yield prefix, tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _tensors(value, f'{prefix}.{key}' if prefix else
                                str(key))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            yield from _tensors(value, f'{prefix}.{i}')


def check_checkpoint_arrays(ckpt: Any, path: str) -> None:
    """Refuse weights, buffers and optimizer states that are not finite.

    Args:
        ckpt (Any): A loaded checkpoint (``state_dict``, ``optimizer``).
        path (str): Its path, for the message.

    Returns:
        None
    """
    if not isinstance(ckpt, dict):
        return
    parts = {k: ckpt[k] for k in ('state_dict', 'optimizer') if k in ckpt}
    for key, tensor in _tensors(parts):
        if key.endswith('num_batches_tracked'):
            ok = not tensor.dtype.is_floating_point
            what = f'has dtype {tensor.dtype}, expected an integer'
        elif tensor.dtype.is_floating_point:
            bad = int((~torch.isfinite(tensor)).sum())
            ok = bad == 0
            what = f'holds {bad} non-finite values (NaN or inf) of ' \
                   f'{tensor.numel()}'
        else:
            ok = key.startswith('optimizer')  # e.g. integer step counters
            what = f'has dtype {tensor.dtype}, expected floating point'
        if not ok:
            raise CheckpointLoadError(
                f'{path!r}: {key} {what}; the checkpoint is damaged (or was '
                f'saved after training diverged). {_CHECKPOINT_FIX}')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def _load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """mmengine's loader for local paths, routed through the safe loader.

    The arrays are checked too, so ``--resume`` and ``load_from`` refuse a
    checkpoint of non-finite weights before anything trains on it.
    """
    ckpt = load_checkpoint_file(osp.expanduser(filename), map_location)
    check_checkpoint_arrays(ckpt, filename)
    return ckpt
