"""A training run from a loaded config: what ``tools/train.py`` and
``singan train`` share.

Both load a config, apply their own arguments to it, then
:func:`prepare_run` checks everything that can be checked before the long
work starts (the config, the image, the work dir: an earlier run's
checkpoints are refused unless the run resumes or overwrites them), takes
the work dir's lock (one training per work dir) and finds the checkpoint
to resume; :func:`train` runs mmengine's Runner.
"""
import atexit
import os
import os.path as osp
from typing import Iterable, Optional

from mmengine.config import Config
from mmengine.hooks import Hook

from .cli import InterruptedRun
from .config import prepare_config
from .engine import init_distributed
from .fileio.atomic import full_disk_advice
from .fileio.paths import check_output_dir
from .work_dir import SinGANRunner, check_earlier_run, resume_checkpoint
from .work_dir_lock import lock_work_dir, release_work_dir

#: What a full disk during training advises.
_FULL_DISK_FIX = ('Free space on it and continue the run: the same command '
                  'with --resume')

__all__ = ['prepare_run', 'train', 'default_work_dir']


def prepare_run(cfg: Config,
                work_dir: str,
                resume: Optional[str] = None,
                overwrite: bool = False,
                launcher: str = 'none') -> Config:
    """Complete and check a config for training into ``work_dir``.

    Args:
        cfg (Config): The loaded config, the user's options merged.
        work_dir (str): Where checkpoints, pickles and logs go.
        resume (str, optional): ``'auto'``: continue from the work dir's
            last checkpoint; a path: from that checkpoint; ``None``: a new
            run.
        overwrite (bool): Replace the checkpoints of an earlier run in the
            work dir (without it, such a run is refused).
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        Config: ``cfg``, completed (``prepare_config``).
    """
    cfg.launcher = launcher
    cfg.work_dir = work_dir
    if resume is not None:
        cfg.resume, cfg.load_from = True, None if resume == 'auto' else resume
    prepare_config(cfg)
    check_output_dir(cfg.work_dir, '--work-dir')
    if _launch_rank(launcher) == 0:  # the other ranks share rank 0's
        lock_work_dir(cfg.work_dir)
        atexit.register(release_work_dir, cfg.work_dir)
    if resume == 'auto':
        cfg.load_from = resume_checkpoint(cfg.work_dir)
        cfg.resume = cfg.load_from is not None
    check_earlier_run(cfg.work_dir, bool(cfg.get('resume')), overwrite)
    return cfg


def _launch_rank(launcher: str) -> int:
    """This process's rank, from the launcher's environment (0 alone)."""
    if launcher == 'none':
        return 0
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 0


def train(cfg: Config, hooks: Iterable[Hook] = ()) -> SinGANRunner:
    """Train with mmengine's Runner; publish the config once done.

    Args:
        cfg (Config): A config from :func:`prepare_run`.
        hooks (Iterable[Hook]): Hook objects to add beyond the config's
            (e.g. a console progress bar); registered with their own
            priority.

    Returns:
        SinGANRunner: The runner, trained.
    """
    init_distributed(cfg.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    try:
        with full_disk_advice(_FULL_DISK_FIX):
            runner = SinGANRunner.from_cfg(cfg)
            for hook in hooks:
                runner.register_hook(hook)
            runner.train()
            runner.publish_config()
    except KeyboardInterrupt as err:
        raise InterruptedRun(
            f'Continue with --resume (the same command with --resume '
            f'added): the checkpoints in {cfg.work_dir} are intact.') from err
    finally:
        release_work_dir(cfg.work_dir)
    return runner


def default_work_dir(name: str) -> str:
    """``./work_dirs/<name without folders and extension>``.

    Args:
        name (str): A config or image path or name.

    Returns:
        str: The default work dir for it.
    """
    return osp.join('./work_dirs', osp.splitext(osp.basename(name))[0])
