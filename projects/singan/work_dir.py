"""Keeping an earlier run's files in a work dir intact.

mmengine's Runner writes the config of every run to ``WORK_DIR/NAME.py`` as
soon as it is built, so a run that then fails replaces the config of the
run that made the checkpoints there; and a new run saves ``iter_N.pth`` over
an earlier run's checkpoints without a word. Here a new run into a work dir
with checkpoints is refused unless it resumes (``--resume``) or is told to
replace them (``--overwrite``), and the config is written into the run's
own timestamped folder first, and to ``WORK_DIR/NAME.py`` only once training
has finished. ``--resume`` without a path never starts from scratch over
checkpoints: when ``last_checkpoint`` is gone or broken it continues from
the newest complete checkpoint and pickle (:func:`resume_checkpoint`), or
says why it cannot; a checkpoint the Runner then refuses leaves no log
folder behind.
"""
import glob
import logging
import os.path as osp
import shutil
from typing import List, Optional, Tuple

from mmengine.dist import master_only
from mmengine.logging import print_log
from mmengine.runner import Runner

from .cli import UserInputError
from .fileio.atomic import atomic_write_bytes

__all__ = ['check_earlier_run', 'checkpoints', 'resume_checkpoint',
           'SinGANRunner']


def check_earlier_run(work_dir: str, resume: bool, overwrite: bool) -> None:
    """Refuse a new run into a work dir holding another run's checkpoints.

    Args:
        work_dir (str): The work dir.
        resume (bool): The run continues the earlier one.
        overwrite (bool): The user asked to replace the earlier run.

    Returns:
        None
    """
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isdir(last) and not resume:
        raise UserInputError(
            f'{last} is a folder, where training writes the file naming its '
            'last checkpoint, so the first save would fail. Move or remove '
            'that folder, or train into another --work-dir.')
    if resume:
        return
    found = checkpoints(work_dir)
    if not found and not osp.isfile(last):
        return
    names = ', '.join(osp.basename(p) for p in found[-3:]) or 'none'
    if overwrite:
        print_log(f'--overwrite: this run replaces the earlier run in '
                  f'{work_dir} ({names}); last_checkpoint will name its '
                  'checkpoints.', logger='current')
        return
    raise UserInputError(
        f'The work dir {work_dir!r} holds the checkpoints of an earlier run '
        f'({names}{", last_checkpoint" if osp.isfile(last) else ""}); a new '
        'run would replace them. Continue it with --resume, train into '
        'another --work-dir, or pass --overwrite to replace them.')


def resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` (no path) continues from.

    ``last_checkpoint`` when it names a file; otherwise (deleted, a folder,
    naming a file that is gone) the newest ``iter_N.pth`` whose pickle
    ``pickle/iter_N.pkl`` is there too and both load, with a line saying
    so. mmengine alone would start from scratch and save over the earlier
    run's checkpoints.

    Args:
        work_dir (str): The work dir.

    Returns:
        str | None: The checkpoint; ``None`` when the work dir holds no
        checkpoint at all (nothing to resume or to lose: a new run).
    """
    last = osp.join(work_dir, 'last_checkpoint')
    named, problem = _read_last_checkpoint(last)
    if named is not None:
        return named
    if osp.isdir(last):
        raise UserInputError(
            f'--resume: {last} is a folder, where training writes the file '
            'naming its last checkpoint, so the first save would fail. Move '
            'or remove that folder, then run again with --resume (it '
            'continues from the newest complete checkpoint).')
    found = checkpoints(work_dir)
    if not found and not osp.lexists(last):
        print_log(f'--resume: {work_dir} holds no checkpoint yet; starting '
                  'a new run.', logger='current')
        return None
    reasons = []
    for path in reversed(found):
        reason = _incomplete(work_dir, path)
        if not reason:
            print_log(f'--resume: {last} {problem}; resuming from the newest '
                      f'complete checkpoint {path} (with its pickle).',
                      logger='current')
            return path
        reasons.append(f'{osp.basename(path)}: {reason}')
    held = '; '.join(reasons) or 'there is no iter_N.pth'
    raise UserInputError(
        f'--resume: {last} {problem}, and no complete checkpoint is left to '
        f'continue from ({held}). Pass one with --resume PATH, or start '
        'again with --overwrite (which replaces the files of the earlier '
        'run).')


def _read_last_checkpoint(last: str) -> Tuple[Optional[str], str]:
    """The file ``last_checkpoint`` names, else why it names none."""
    if osp.isdir(last):
        return None, 'is a folder, not the file training writes'
    if not osp.lexists(last):
        return None, 'is missing'
    try:
        with open(last) as f:
            named = f.read().strip()
    except (OSError, UnicodeDecodeError) as err:
        return None, f'cannot be read ({err})'
    if not named:
        return None, 'is empty'
    if osp.isfile(named):
        return named, ''
    beside = osp.join(osp.dirname(last), osp.basename(named))
    if osp.isfile(beside):  # the work dir was moved
        print_log(f'--resume: {last} names {named}, which is not there; '
                  f'resuming from {beside} (the work dir was moved).',
                  logger='current')
        return beside, ''
    return None, f'names {named}, which does not exist'


def _incomplete(work_dir: str, checkpoint: str) -> str:
    """Why a checkpoint and its pickle cannot be resumed; ``''`` if they can.
    """
    from .fileio import load_checkpoint_file, load_pickle
    name = osp.splitext(osp.basename(checkpoint))[0]
    pickle = osp.join(work_dir, 'pickle', f'{name}.pkl')
    if not osp.isfile(pickle):
        return f'its pickle {pickle} is missing'
    for path, load in ((checkpoint, load_checkpoint_file),
                       (pickle, load_pickle)):
        try:
            load(path)
        except Exception as err:  # any damage: try the previous pair
            return f'{osp.basename(path)} does not load ({type(err).__name__})'
    return ''


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

    def load_or_resume(self) -> None:
        """mmengine's; a refused checkpoint leaves no log folder behind.

        Returns:
            None
        """
        try:
            super().load_or_resume()
        except BaseException:
            self._remove_log_dir()
            raise

    @master_only
    def _remove_log_dir(self) -> None:
        """Remove this run's ``WORK_DIR/TIMESTAMP`` folder (nothing trained).
        """
        shutil.rmtree(self.log_dir, ignore_errors=True)

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

