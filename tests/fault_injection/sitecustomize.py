"""Test-only faults in file writes, for the crash and disk-full tests.

A test that runs a tool in a subprocess puts this folder first on
``PYTHONPATH`` (see ``conftest.fault_env``) and sets
``SINGAN_TEST_WRITE_FAULT``; Python then imports this module at start-up
and wraps ``os.replace``, the last step of ``singan.fileio.atomic``'s
writes:

- ``enospc:PATTERN``: renaming onto a path that contains ``PATTERN`` fails
  as a full disk would (the temporary file is complete by then);
- ``pause:PATTERN``: such a rename stalls, so the test can kill the process
  in the middle of a save.

With ``SINGAN_TEST_TIER=fast`` it also installs ``tier_guard`` (trainings
exit at once). Nothing in the package knows about this.
"""
import errno
import os
import time

_FAULT = os.environ.get('SINGAN_TEST_WRITE_FAULT', '')


def _install(kind: str, pattern: str) -> None:
    """Wrap ``os.replace`` with the fault."""
    replace = os.replace

    def faulty_replace(src, dst, *args, **kwargs):
        if pattern in os.fspath(dst):
            if kind == 'enospc':
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if kind == 'pause':
                time.sleep(3600)  # the test kills the process meanwhile
        return replace(src, dst, *args, **kwargs)

    os.replace = faulty_replace


if ':' in _FAULT:
    _kind, _pattern = _FAULT.split(':', 1)
    if _kind in ('enospc', 'pause') and _pattern:
        _install(_kind, _pattern)

if os.environ.get('SINGAN_TEST_TIER') == 'fast':
    import tier_guard  # this folder is first on sys.path, as PYTHONPATH
    tier_guard.install()
