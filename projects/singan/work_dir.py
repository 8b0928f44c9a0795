"""Keeping an earlier run's files in a work dir intact.

mmengine's Runner writes the config of every run to ``WORK_DIR/NAME.py`` as
soon as it is built, so a run that then fails replaces the config of the
run that made the checkpoints there; and a new run saves ``iter_N.pth`` over
an earlier run's checkpoints without a word. Here a new run into a work dir
with checkpoints is refused unless it resumes (``--resume``) or is told to
replace them (``--overwrite``), and the config is written into the run's
own timestamped folder first, and to ``WORK_DIR/NAME.py`` only once training
has finished.
"""
import glob
import logging
import os.path as osp
from typing import List

from mmengine.dist import master_only
from mmengine.runner import Runner

from .cli import UserInputError
from .fileio.atomic import atomic_write_bytes

__all__ = ['check_earlier_run', 'checkpoints', 'SinGANRunner']


def check_earlier_run(work_dir: str, resume: bool, overwrite: bool) -> None:
    """Refuse a new run into a work dir holding another run's checkpoints.

    Args:
        work_dir (str): The work dir.
        resume (bool): The run continues the earlier one.
        overwrite (bool): The user asked to replace the earlier run.

    Returns:
        None
    """
    if resume:
        return
    found = checkpoints(work_dir)
    last = osp.join(work_dir, 'last_checkpoint')
    if not found and not osp.isfile(last):
        return
    names = ', '.join(osp.basename(p) for p in found[-3:]) or 'none'
    if overwrite:
        from mmengine.logging import print_log
        print_log(f'--overwrite: this run replaces the earlier run in '
                  f'{work_dir} ({names}); last_checkpoint will name its '
                  'checkpoints.', logger='current')
        return
    raise UserInputError(
        f'The work dir {work_dir!r} holds the checkpoints of an earlier run '
        f'({names}{", last_checkpoint" if osp.isfile(last) else ""}); a new '
        'run would replace them. Continue it with --resume, train into '
        'another --work-dir, or pass --overwrite to replace them.')


def checkpoints(work_dir: str) -> List[str]:
    """The ``iter_N.pth`` files of a work dir, by increasing N.

    Args:
        work_dir (str): The work dir.

    Returns:
        list[str]: Their paths; empty when there are none.
    """
    return sorted(glob.glob(osp.join(glob.escape(work_dir), 'iter_*.pth')),
                  key=_iteration)


def _iteration(path: str) -> int:
    """N of ``iter_N.pth`` (-1 for other names)."""
    digits = osp.basename(path)[5:-4]
    return int(digits) if digits.isdigit() else -1


class SinGANRunner(Runner):
    """mmengine's Runner, dumping the config where it replaces nothing.

    The config goes to ``WORK_DIR/TIMESTAMP/NAME.py`` when the Runner is
    built; :meth:`publish_config` copies it to ``WORK_DIR/NAME.py`` (where
    mmengine puts it) after training has finished. A top-level config key
    ``console_log_level`` (e.g. ``'WARNING'``, set by ``singan train`` when
    it draws a progress bar) keeps lower log lines off the console; the log
    file still has them all.
    """

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        """mmengine's logger, its console lines from ``console_log_level``.

        Returns:
            MMLogger: The logger.
        """
        logger = super().build_logger(log_level, log_file, **kwargs)
        level = self.cfg.get('console_log_level')
        if level:
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler:  # not the file
                    handler.setLevel(max(handler.level,
                                         logging.getLevelName(level)))
        return logger

    def _config_name(self) -> str:
        """The file name mmengine gives the dumped config."""
        if self.cfg.filename is not None:
            return osp.basename(self.cfg.filename)
        return f'{self.timestamp}.py'

    @master_only
    def dump_config(self) -> None:
        """Dump the config into this run's log folder only."""
        self.cfg.dump(osp.join(self.log_dir, self._config_name()))

    @master_only
    def publish_config(self) -> None:
        """Copy this run's config to the work dir, atomically.

        Returns:
            None
        """
        source = osp.join(self.log_dir, self._config_name())
        if osp.isfile(source):
            with open(source, 'rb') as f:
                atomic_write_bytes(f.read(),
                                   osp.join(self.work_dir,
                                            self._config_name()))

