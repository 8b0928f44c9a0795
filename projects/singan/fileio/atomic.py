"""Atomic file writes: a crash or a full disk never leaves a half file.

Data goes to a temporary file in the same folder, is flushed and fsynced, and
then renamed over the target, so readers see either the old file or the new
one. :class:`AtomicLocalBackend` gives mmengine's ``CheckpointHook`` the same
guarantee (``backend_args=dict(backend='singan_atomic')``).

The crash and disk-full tests make the rename fail or stall from outside
(``tests/fault_injection/sitecustomize.py``); nothing here knows of them.
"""
import contextlib
import errno
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Iterator, Union

from mmengine.fileio import LocalBackend, register_backend

__all__ = ['atomic_write_bytes', 'check_writable_dir', 'full_disk_advice',
           'AtomicLocalBackend']


def atomic_write_bytes(data: bytes, path: Union[str, Path]) -> None:
    """Write ``data`` to ``path`` atomically.

    Args:
        data (bytes): File content.
        path (str | Path): Target file; its folder is created if missing.

    Returns:
        None
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    except OSError as err:
        raise OSError(err.errno, f'Cannot write {path}: {err.strerror}. '
                      'Choose a writable --work-dir.') from err
    try:
        with os.fdopen(fd, 'wb') as f:
            # mkstemp makes the file private (0600); give it the mode a
            # plain open() would have, so outputs stay readable by others.
            os.fchmod(f.fileno(), _default_mode())
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        _remove_quietly(tmp)
        raise _write_error(path, err) from err
    _fsync_folder(folder)


def _default_mode() -> int:
    """``0o666`` minus the process umask, as ``open()`` would create."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_writable_dir(folder: Union[str, Path]) -> None:
    """Create ``folder`` if needed and check that files can be written in it.

    Called before training starts, so a bad ``--work-dir`` stops the run
    at once instead of at the first checkpoint.

    Args:
        folder (str | Path): The work dir.

    Returns:
        None
    """
    folder = os.fspath(folder)
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise OSError(
            err.errno, f'The work dir {folder!r} is not writable '
            f'({err.strerror}). Choose a writable folder with --work-dir.'
        ) from err


#: What the message of a full disk advises; ``full_disk_advice`` sets it.
_FULL_DISK_FIX = ['Free space on it (or write to another folder, e.g. '
                  'another --out-dir) and run the command again']


@contextlib.contextmanager
def full_disk_advice(fix: str) -> Iterator[None]:
    """Within the block, a full disk's message advises ``fix``.

    Training advises ``--resume``; the default suits the tools that write
    outputs (``tools/test.py``, the applications), which have none.

    Args:
        fix (str): E.g. ``'Free space on it and continue with --resume'``.

    Returns:
        Iterator[None]: A context manager.
    """
    _FULL_DISK_FIX.append(fix)
    try:
        yield
    finally:
        _FULL_DISK_FIX.pop()


def _write_error(path: str, err: OSError) -> OSError:
    """The error to show for a failed write, with the fix."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = f'the disk is full. {_FULL_DISK_FIX[-1]}'
    else:
        fix = (f'{err.strerror}. Check the folder, or choose another '
               '--work-dir')
    return OSError(err.errno, f'Writing {path} failed: {fix}. The previous '
                   'version of the file, if any, is intact.')


def _remove_quietly(path: str) -> None:
    """Remove a temporary file, ignoring that it may be gone."""
    try:
        os.remove(path)
    except OSError:
        pass


def _fsync_folder(folder: str) -> None:
    """Persist a rename in ``folder`` (a no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@register_backend('singan_atomic', force=True)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically (see :func:`atomic_write_bytes`)."""
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically (see :func:`atomic_write_bytes`)."""
        atomic_write_bytes(obj.encode(encoding), filepath)
