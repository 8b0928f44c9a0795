"""What the applications need of a trained run: config, checkpoint, pickle.

``singan sample work_dirs/photo`` names only the work dir of ``singan
train``; the files are found in it:

- the checkpoint: the one ``last_checkpoint`` names (looked up beside it
  when the work dir has moved), else the highest ``iter_N.pth``;
- the config: the one stored in that checkpoint's meta by mmengine (the run
  that wrote it), else the newest config dumped at the top of the work dir;
- the pickle: ``pickle/iter_N.pkl`` beside the checkpoint.

``CONFIG CKPT`` (as ``tools/apps.py`` takes them) is accepted too.
"""
import glob
import os.path as osp
from dataclasses import dataclass
from typing import Optional

from mmengine.config import Config

from ..cli import UserInputError
from ..fileio.paths import check_input_file
from ..fileio.safe_load import load_checkpoint_file
from ..resources import find_config
from ..work_dir import checkpoints
from .loading import find_pickle

__all__ = ['RunFiles', 'open_trained_run', 'last_checkpoint']

_CHECKPOINT_FIX = ('Pass a .pth written by training (WORK_DIR/iter_N.pth), '
                   'or the work dir alone to take its last checkpoint.')


@dataclass
class RunFiles:
    """The files of a trained run.

    Args:
        config (Config): The config it was trained with.
        checkpoint (str): Its checkpoint.
        pickle (str, optional): Its pickle of fixed noises, when found
            beside the checkpoint of a work dir; ``None``: the checkpoint's
            own inference state (or the config's) is used.
        work_dir (str, optional): The work dir, when one was given.
    """
    config: Config
    checkpoint: str
    pickle: Optional[str] = None
    work_dir: Optional[str] = None


def open_trained_run(config_or_dir: str,
                     checkpoint: Optional[str] = None) -> RunFiles:
    """The files of a trained run, from a work dir or ``CONFIG CKPT``.

    Args:
        config_or_dir (str): A work dir of ``singan train`` /
            ``tools/train.py``, or a config (path or shipped name).
        checkpoint (str, optional): The checkpoint; ``None``: the work
            dir's last one (required with a config).

    Returns:
        RunFiles: The loaded config and the paths.
    """
    if checkpoint is not None:
        check_input_file(checkpoint, 'Checkpoint', _CHECKPOINT_FIX)
    if osp.isdir(config_or_dir):
        work_dir = config_or_dir
        checkpoint = checkpoint or last_checkpoint(work_dir)
        return RunFiles(_run_config(work_dir, checkpoint), checkpoint,
                        find_pickle(checkpoint), work_dir)
    if checkpoint is None:
        what = ('is not a work dir, and no checkpoint was given' if
                osp.exists(config_or_dir) else
                'does not exist (no work dir of that name)')
        raise UserInputError(
            f'{config_or_dir!r} {what}. Pass the work dir of a training '
            '(e.g. work_dirs/photo), or CONFIG CKPT.')
    return RunFiles(Config.fromfile(find_config(config_or_dir)), checkpoint)


def last_checkpoint(work_dir: str) -> str:
    """The latest checkpoint of a work dir.

    Args:
        work_dir (str): The work dir.

    Returns:
        str: The checkpoint ``last_checkpoint`` names, else the highest
        ``iter_N.pth``.
    """
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            named = f.read().strip()
        # mmengine writes the path as the run saw it; the folder may move.
        for candidate in (named, osp.join(work_dir, osp.basename(named))):
            if named and osp.isfile(candidate):
                return candidate
    found = checkpoints(work_dir)
    if found:
        return found[-1]
    raise UserInputError(
        f'The work dir {work_dir!r} holds no checkpoint (no last_checkpoint, '
        'no iter_N.pth): its training has not finished a scale yet. Wait for '
        'it, continue it with singan train IMAGE --work-dir '
        f'{work_dir} --resume, or pass CONFIG CKPT.')


def _run_config(work_dir: str, checkpoint: str) -> Config:
    """The config stored in the checkpoint, else the work dir's newest."""
    meta = load_checkpoint_file(checkpoint).get('meta') or {}
    text = meta.get('cfg') if isinstance(meta, dict) else None
    if isinstance(text, str) and text.strip():
        return Config.fromstring(text, '.py')
    dumped = sorted(glob.glob(osp.join(glob.escape(work_dir), '*.py')),
                    key=osp.getmtime)
    if dumped:
        return Config.fromfile(dumped[-1])
    raise UserInputError(
        f'No config found for {checkpoint!r}: its meta holds none and '
        f'{work_dir!r} has no dumped config (*.py). Pass CONFIG CKPT.')
