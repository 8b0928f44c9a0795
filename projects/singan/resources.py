"""Find the configs and sample images shipped with SinGAN.

In a source checkout they live in ``configs/singan/`` and ``data/singan/``;
an installed wheel carries copies in ``singan/.mim/`` (the OpenMMLab ``mim``
layout, written by ``setup.py`` at build time). Both are searched, the
checkout first, so a config is found by name as well as by path::

    find_config('singan_balloons')                 # -> .../singan_balloons.py
    find_config('mmagic_compat/singan/singan_fish')
    find_sample_image('balloons.png')

Note:
    This module is ``resources``, not ``configs``: ``singan.config`` already
    holds ``prepare_config``, and two modules one letter apart would be
    easy to confuse.
"""
import difflib
import os
import os.path as osp
from typing import List, Union

__all__ = ['config_dirs', 'find_config', 'find_sample_image', 'list_configs',
           'sample_image_dirs']

_PACKAGE = osp.dirname(osp.abspath(__file__))
#: Where an installed package keeps its copies (the mim layout).
_MIM = osp.join(_PACKAGE, '.mim')


def _checkout_root() -> Union[str, None]:
    """The source checkout this package is imported from, if any.

    Returns:
        str | None: The checkout's root (``projects/singan`` two levels
        down), or ``None`` for an installed package.
    """
    projects = osp.dirname(_PACKAGE)
    if osp.basename(projects) != 'projects':
        return None
    return osp.dirname(projects)


def _existing(*candidates: str) -> List[str]:
    """The folders among ``candidates`` that exist, in order."""
    return [path for path in candidates if osp.isdir(path)]


def config_dirs() -> List[str]:
    """Folders searched for config names, the checkout's first.

    Returns:
        list[str]: Existing ``configs/singan`` folders.
    """
    root = _checkout_root()
    checkout = [osp.join(root, 'configs', 'singan')] if root else []
    return _existing(*checkout, osp.join(_MIM, 'configs', 'singan'))


def sample_image_dirs() -> List[str]:
    """Folders holding the bundled sample images, the checkout's first.

    Returns:
        list[str]: Existing ``data/singan`` folders.
    """
    root = _checkout_root()
    checkout = [osp.join(root, 'data', 'singan')] if root else []
    return _existing(*checkout, osp.join(_MIM, 'data', 'singan'))


def list_configs() -> List[str]:
    """Names of the shipped configs, e.g. ``'singan_balloons'``.

    ``_base_`` files are left out: they are not complete configs.

    Returns:
        list[str]: Sorted names relative to ``configs/singan``, without
        ``.py``, with ``/`` as the separator.
    """
    names = set()
    for top in config_dirs():
        for folder, subdirs, files in os.walk(top):
            subdirs[:] = [d for d in subdirs
                          if d not in ('_base_', '__pycache__')]
            rel = osp.relpath(folder, top)
            for file in files:
                if file.endswith('.py'):
                    name = osp.normpath(osp.join(rel, file[:-3]))
                    names.add(name.replace(os.sep, '/'))
    return sorted(names)


def find_config(name_or_path: Union[str, os.PathLike]) -> str:
    """The config file for a path or a shipped config's name.

    Args:
        name_or_path (str | PathLike): An existing file (returned as
            given), or a name relative to ``configs/singan`` with or
            without ``.py``: ``'singan_balloons'``,
            ``'singan_balloons.py'``, ``'mmagic_compat/singan/singan_fish'``;
            a leading ``configs/singan/`` is accepted too.

    Returns:
        str: Path of the config file.

    Raises:
        FileNotFoundError: Neither a file nor a shipped name; the message
            lists close names.
    """
    path = os.fspath(name_or_path)
    if osp.isfile(path):
        return path
    _refuse_non_config(path)
    # A README path such as configs/singan/x.py, typed outside the checkout.
    name = path.replace(os.sep, '/').removeprefix('configs/singan/')
    name = name if name.endswith('.py') else name + '.py'
    for top in config_dirs():
        candidate = osp.join(top, name)
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(_not_found_message(path, name[:-3]))


def _refuse_non_config(path: str) -> None:
    """Raise the true reason for a URL, folder or special file as config."""
    from .fileio.paths import is_url, special_file_problem, url_problem
    if is_url(path):
        raise FileNotFoundError(url_problem(path, 'Config'))
    if osp.isdir(path):
        raise IsADirectoryError(
            f'Config {path!r} is a folder; give a config file (.py) or the '
            'name of a shipped config (a work dir is taken alone, without '
            'CKPT, by the singan command).')
    special = special_file_problem(path, 'Config')
    if special:
        raise FileNotFoundError(special)


def _not_found_message(path: str, name: str) -> str:
    """What to say when ``find_config(path)`` finds no config ``name``."""
    names = list_configs()
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    hint = (f'Close names: {", ".join(close)}.' if close else
            f'Shipped names: {", ".join(names) or "none found"}.')
    return (f'Config {path!r} is neither a file nor the name of a shipped '
            f'config (searched {", ".join(config_dirs()) or "no folder"}). '
            f'{hint} Give a config file path or one of those names.')


def find_sample_image(name: str = 'balloons.png') -> str:
    """Path of a bundled sample image, for ``data_root`` in a config.

    The configs name their image relative to the checkout
    (``data/singan/balloons.png``); from an installed package, pass this
    path instead, e.g.
    ``--cfg-options train_dataloader.dataset.data_root=PATH``.

    Args:
        name (str): File name in ``data/singan``, e.g. ``'balloons.png'``;
            a leading ``data/singan/`` is accepted too.

    Returns:
        str: Path of the image file.

    Raises:
        FileNotFoundError: No bundled image has that name; the message
            lists the bundled ones.
    """
    base = os.fspath(name).replace(os.sep, '/').removeprefix('data/singan/')
    for folder in sample_image_dirs():
        candidate = osp.join(folder, base)
        if osp.isfile(candidate):
            return candidate
    images = sorted({f for folder in sample_image_dirs()
                     for f in os.listdir(folder) if f != 'LICENSE'})
    raise FileNotFoundError(
        f'No bundled sample image {name!r}; bundled: '
        f'{", ".join(images) or "none found"}. Give one of those names, or '
        'the path of your own image as data_root.')
