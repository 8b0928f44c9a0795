"""A training run from a loaded config: what ``tools/train.py`` and
``singan train`` share.

Both load a config, apply their own arguments to it, then
:func:`prepare_run` checks everything that can be checked before the long
work starts (the config, the image, the work dir: an earlier run's
checkpoints are refused unless the run resumes or overwrites them) and
:func:`train` runs mmengine's Runner.
"""
import os.path as osp
from typing import Iterable, Optional

from mmengine.config import Config
from mmengine.hooks import Hook

from .config import prepare_config
from .engine import init_distributed
from .fileio.paths import check_output_dir
from .work_dir import SinGANRunner, check_earlier_run

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
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    prepare_config(cfg)
    check_output_dir(cfg.work_dir, '--work-dir')
    check_earlier_run(cfg.work_dir, bool(cfg.get('resume')), overwrite)
    return cfg


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
    runner = SinGANRunner.from_cfg(cfg)
    for hook in hooks:
        runner.register_hook(hook)
    runner.train()
    runner.publish_config()
    return runner


def default_work_dir(name: str) -> str:
    """``./work_dirs/<name without folders and extension>``.

    Args:
        name (str): A config or image path or name.

    Returns:
        str: The default work dir for it.
    """
    return osp.join('./work_dirs', osp.splitext(osp.basename(name))[0])
