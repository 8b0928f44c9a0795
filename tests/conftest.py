"""Shared fixtures: a tiny SinGAN trained once per test session."""
import argparse
import os
import os.path as osp
import subprocess
import sys
from dataclasses import dataclass
from typing import Sequence

import pytest
from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')
BALLOONS = osp.join(ROOT, 'data', 'singan', 'balloons.png')
#: Files written by mmagic 1.2.0's own SinGAN code (see its README.md).
MMAGIC_FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                          'mmagic_singan_balloons_tiny')

sys.path.insert(0, osp.join(ROOT, 'projects'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

pytest_plugins = ['tiers']

#: A tiny schedule: 48x36 finest scale, 4 scales, 6 iterations each.
TINY_OPTIONS = [
    'model.num_scales=None', 'train_cfg.iters_per_scale=6',
    'train_dataloader.dataset.max_size=48',
    'train_dataloader.dataset.min_size=20',
    f'train_dataloader.dataset.data_root={BALLOONS}',
    'default_hooks.checkpoint.interval=6', 'default_hooks.logger.interval=6',
    'randomness.seed=0'
]
TINY_CONFIG = osp.join(ROOT, 'configs', 'singan', 'singan_balloons.py')


def config_with_options(config: str, options: Sequence[str]) -> Config:
    """A config file with ``--cfg-options``-style ``KEY=VALUE`` strings.

    Args:
        config (str): Config path.
        options (Sequence[str]): ``KEY=VALUE`` strings, parsed as
            ``tools/train.py`` parses them (mmengine's ``DictAction``).

    Returns:
        Config: The loaded config with the options merged.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(
        parser.parse_args(['--cfg-options', *options]).cfg_options)
    return cfg


def fault_env(fault: str) -> dict:
    """Environment that makes a tool's file writes fail or stall.

    Args:
        fault (str): ``enospc:PATTERN`` or ``pause:PATTERN``; see
            ``tests/fault_injection/sitecustomize.py``.

    Returns:
        dict: Variables to add to the subprocess's environment.
    """
    path = [osp.join(ROOT, 'tests', 'fault_injection')]
    if os.environ.get('PYTHONPATH'):
        path.append(os.environ['PYTHONPATH'])
    return dict(SINGAN_TEST_WRITE_FAULT=fault,
                PYTHONPATH=os.pathsep.join(path))


@dataclass
class TrainedRun:
    """Paths of a finished training run."""
    config: str
    work_dir: str
    checkpoint: str
    pickle: str
    options: list


def run_tool(tool: str, *args: str, check: bool = True,
             timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``tools/<tool>`` in a subprocess, as a user would.

    Args:
        tool (str): Script name, e.g. ``'train.py'``.
        *args (str): Its arguments.
        check (bool): Fail the test on a non-zero exit status.
        timeout (float): Seconds before the run is killed.

    Returns:
        subprocess.CompletedProcess: With ``stdout`` and ``stderr`` text.
    """
    # One thread per run: torch's default (all cores) makes runs 10-20x
    # slower when other processes share the cores (pytest -n, busy CI).
    env = dict(os.environ, PYTHONHASHSEED="0",
               OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    proc = subprocess.run([sys.executable, osp.join(TOOLS, tool), *args],
                          capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{tool} {args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def train_tiny(work_dir: str, *extra: str) -> TrainedRun:
    """Train the tiny schedule into ``work_dir`` through tools/train.py."""
    options = TINY_OPTIONS + list(extra)
    run_tool('train.py', TINY_CONFIG, '--work-dir', work_dir,
             '--cfg-options', *options)
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    name = osp.splitext(osp.basename(checkpoint))[0]
    return TrainedRun(TINY_CONFIG, work_dir, checkpoint,
                      osp.join(work_dir, 'pickle', f'{name}.pkl'), options)


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory) -> TrainedRun:
    """A tiny SinGAN on balloons.png, trained once for the whole session."""
    return train_tiny(str(tmp_path_factory.mktemp('tiny_run')))
