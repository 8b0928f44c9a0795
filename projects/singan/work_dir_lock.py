"""One owner per work dir: a lock file taken before a training writes.

Two trainings into one work dir would save their checkpoints side by side
and each replace the other's ``last_checkpoint``. The first takes
``WORK_DIR/.singan.lock`` (an exclusive ``flock``, released by the system
when the process ends however it ends, and the owner's pid, host and
command written in the file); a second stops at once, naming the owner.
A lock file whose process is gone (killed) is taken over, with a line
saying so. On file systems without ``flock`` the pid in the file decides.
"""
import errno
import fcntl
import os
import os.path as osp
import socket
import sys
import time
from typing import Dict, Optional

from mmengine.logging import print_log

from .cli import UserInputError

__all__ = ['LOCK_FILE', 'WorkDirBusyError', 'WorkDirLock', 'lock_work_dir',
           'release_work_dir']

#: The lock's file name in the work dir.
LOCK_FILE = '.singan.lock'

#: Locks this process holds, by absolute work dir.
_HELD: Dict[str, 'WorkDirLock'] = {}


class WorkDirBusyError(UserInputError):
    """Another process trains into the work dir."""


class WorkDirLock:
    """The lock of one work dir, held by this process.

    Args:
        work_dir (str): The work dir (it must exist).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_FILE)
        self._file = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`WorkDirBusyError`.

        Returns:
            None
        """
        try:
            self._file = open(self.path, 'a+')
        except OSError as err:
            raise _write_error(self.path, err) from err
        self._file.seek(0)
        previous = _parse(self._file.read())
        if not self._flock():
            self._file.close()
            raise _busy(self.work_dir, previous)
        if previous and previous.get('pid') != str(os.getpid()):
            # the lock was free, so the process that wrote it has ended
            print_log(
                f'{self.path}: took over the lock of pid '
                f'{previous.get("pid")} ({previous.get("command", "?")}), '
                'which is no longer running (it was killed or crashed).',
                logger='current')
        self._write_owner()

    def _flock(self) -> bool:
        """Exclusive non-blocking flock; ``False`` when another holds it."""
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as err:  # no flock here (some network file systems)
            if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP,
                                 errno.ENOSYS):
                raise
            self._file.seek(0)
            owner = _parse(self._file.read())
            return not (owner and owner.get('pid') != str(os.getpid())
                        and _alive(owner))

    def _write_owner(self) -> None:
        """Write pid, host, time and command: the first bytes written."""
        text = (f'pid={os.getpid()}\nhost={socket.gethostname()}\n'
                f'started={time.strftime("%Y-%m-%d %H:%M:%S")}\n'
                f'command={" ".join(sys.argv)}\n')
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.write(text)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as err:
            self._file.close()
            self._file = None
            try:
                os.remove(self.path)  # the empty file it created
            except OSError:
                pass
            raise _write_error(self.path, err) from err

    def release(self) -> None:
        """Remove the lock file and unlock.

        Returns:
            None
        """
        if self._file is None:
            return
        try:
            os.remove(self.path)
        except OSError:
            pass
        self._file.close()  # closing releases the flock
        self._file = None


def lock_work_dir(work_dir: str) -> WorkDirLock:
    """Take the work dir's lock for this process (again: the same lock).

    Args:
        work_dir (str): The work dir; it must exist.

    Returns:
        WorkDirLock: The held lock; :func:`release_work_dir` frees it,
        and the system does when the process ends.
    """
    key = osp.abspath(work_dir)
    if key not in _HELD:
        lock = WorkDirLock(work_dir)
        lock.acquire()
        _HELD[key] = lock
    return _HELD[key]


def release_work_dir(work_dir: str) -> None:
    """Release the lock :func:`lock_work_dir` took, if held.

    Args:
        work_dir (str): The work dir.

    Returns:
        None
    """
    lock = _HELD.pop(osp.abspath(work_dir), None)
    if lock is not None:
        lock.release()


def _parse(text: str) -> Optional[Dict[str, str]]:
    """``key=value`` lines of a lock file; ``None`` when empty."""
    pairs = dict(line.split('=', 1) for line in text.splitlines()
                 if '=' in line)
    return pairs or None


def _alive(owner: Dict[str, str]) -> bool:
    """Whether the owner's pid runs (on another host: assume it does)."""
    if owner.get('host', socket.gethostname()) != socket.gethostname():
        return True
    try:
        os.kill(int(owner.get('pid', '')), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _busy(work_dir: str, owner: Optional[Dict[str, str]]) -> UserInputError:
    """The error for a work dir another process trains into."""
    owner = owner or {}
    pid = owner.get('pid', '?')
    return WorkDirBusyError(
        f'The work dir {work_dir!r} is in use by another training (pid {pid}'
        f' on {owner.get("host", "?")}, started {owner.get("started", "?")}'
        f': {owner.get("command", "?")}); two runs in one work dir would mix '
        f'their checkpoints. Wait for it to finish (or stop it: kill {pid}), '
        'or train into another --work-dir. Nothing was written.')


def _write_error(path: str, err: OSError) -> OSError:
    """The error for a lock file that cannot be written."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = ('the disk is full. Free space on it, or choose another '
               '--work-dir')
    else:
        fix = f'{err.strerror}. Choose a writable --work-dir'
    return OSError(err.errno, f'Cannot write the lock file {path}: {fix}. '
                   'Nothing was written; training did not start.')
