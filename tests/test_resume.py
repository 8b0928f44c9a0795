"""Crash safety: SIGKILL during training, then ``--resume`` finishes it.

A tiny schedule (4 scales x 6 iterations, a checkpoint every 4 iterations,
so checkpoints fall both mid-scale and on scale boundaries) is trained once
without interruption and then killed at chosen points and resumed. The
resumed result must equal the uninterrupted one: same pickle, same weights.

ConSinGAN (its own networks, optimizers per stage and pickle) is killed
mid-scale and resumed the same way.

The kill points are made exact with ``conftest.fault_env('pause:PATTERN')``
(``tests/fault_injection``): the write of a chosen file stops after its
temporary file is complete and before the rename, and the test kills the
process there.
"""
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import ROOT, TINY_CONFIG, TINY_OPTIONS, TOOLS, fault_env
from test_consingan_tools import CONFIG as CONSINGAN_CONFIG
from test_consingan_tools import TINY as CONSINGAN_TINY

from singan.fileio import load_checkpoint_file, load_pickle

#: Checkpoints at iterations 4, 8 (mid scale 1), 12 (end of scale 1), ...
CHECKPOINTS = ['default_hooks.checkpoint.interval=4',
               'default_hooks.checkpoint.max_keep_ckpts=2']
#: Config and options of each model's tiny run (4 scales x 6 iterations).
RUNS = dict(singan=(TINY_CONFIG, TINY_OPTIONS + CHECKPOINTS),
            consingan=(CONSINGAN_CONFIG, CONSINGAN_TINY + CHECKPOINTS))
FINAL = 'iter_24'


def _train_args(work_dir: str, *extra: str, model: str = 'singan') -> list:
    config, options = RUNS[model]
    return [config, '--work-dir', work_dir, *extra, '--cfg-options',
            *options]


def _env(**extra: str) -> dict:
    return dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='1',
                **extra)


def _kill_during_write(work_dir: str, pattern: str, *extra: str,
                       model: str = 'singan') -> None:
    """Train until the write of ``pattern`` is half done, then SIGKILL."""
    env = _env(**fault_env(f'pause:{pattern}'))
    proc = subprocess.Popen(
        [sys.executable, osp.join(TOOLS, 'train.py'),
         *_train_args(work_dir, *extra, model=model)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    folder, name = osp.split(osp.join(work_dir, pattern))
    deadline = time.monotonic() + 300
    try:
        while not glob.glob(osp.join(folder, f'.{name}.*.tmp')):
            if proc.poll() is not None:
                pytest.fail(f'training ended before writing {pattern}:\n'
                            f'{proc.stderr.read()[-3000:]}')
            if time.monotonic() > deadline:
                pytest.fail(f'{pattern} was never written')
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _resume(work_dir: str, model: str = 'singan') -> None:
    proc = subprocess.run(
        [sys.executable, osp.join(TOOLS, 'train.py'),
         *_train_args(work_dir, '--resume', model=model)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return osp.basename(f.read().strip())


def _result(work_dir: str):
    """Final pickle and generator/discriminator weights of a run."""
    state = load_pickle(osp.join(work_dir, 'pickle', f'{FINAL}.pkl'))
    ckpt = load_checkpoint_file(osp.join(work_dir, f'{FINAL}.pth'))
    weights = {k: v for k, v in ckpt['state_dict'].items()
               if k.startswith(('generator.', 'discriminator.'))}
    return state, weights


def _assert_same(result, expected) -> None:
    state, weights = result
    want_state, want_weights = expected
    assert state['curr_stage'] == want_state['curr_stage']
    np.testing.assert_allclose(state['noise_weights'],
                               want_state['noise_weights'], rtol=1e-6)
    assert len(state['fixed_noises']) == len(want_state['fixed_noises'])
    for got, want in zip(state['fixed_noises'], want_state['fixed_noises']):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert weights.keys() == want_weights.keys()
    for key, want in want_weights.items():
        torch.testing.assert_close(weights[key], want, rtol=1e-5, atol=1e-6,
                                   msg=key)


def _train_uninterrupted(work_dir: str, model: str):
    proc = subprocess.run(
        [sys.executable, osp.join(TOOLS, 'train.py'),
         *_train_args(work_dir, model=model)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _result(work_dir)


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    return _train_uninterrupted(
        str(tmp_path_factory.mktemp('uninterrupted')), 'singan')


@pytest.mark.trains
def test_kill_mid_scale_then_resume_matches(uninterrupted, tmp_path):
    # Killed while writing the pickle of iteration 12: the last complete
    # checkpoint is iteration 8, in the middle of scale 1 (iterations 7-12).
    work_dir = str(tmp_path)
    _kill_during_write(work_dir, 'pickle/iter_12.pkl')
    assert _last_checkpoint(work_dir) == 'iter_8.pth'
    assert not osp.exists(osp.join(work_dir, 'pickle', 'iter_12.pkl'))
    _resume(work_dir)
    _assert_same(_result(work_dir), uninterrupted)


@pytest.mark.trains
def test_kill_during_checkpoint_save_keeps_previous(uninterrupted, tmp_path):
    # Killed inside the save of iter_12.pth (temporary file written, not
    # yet renamed): no iter_12.pth exists, iter_8.pth is intact.
    work_dir = str(tmp_path)
    _kill_during_write(work_dir, 'iter_12.pth')
    assert not osp.exists(osp.join(work_dir, 'iter_12.pth'))
    assert _last_checkpoint(work_dir) == 'iter_8.pth'
    load_checkpoint_file(osp.join(work_dir, 'iter_8.pth'))
    _resume(work_dir)
    _assert_same(_result(work_dir), uninterrupted)


@pytest.mark.trains
def test_kill_after_scale_boundary_twice_then_resume(uninterrupted,
                                                      tmp_path):
    # First kill early in scale 2: the last checkpoint is iteration 12, the
    # boundary between scales 1 and 2, so the resume starts a new scale.
    # The resumed run is killed again during a save, and resumed again.
    work_dir = str(tmp_path)
    _kill_during_write(work_dir, 'pickle/iter_16.pkl')
    assert _last_checkpoint(work_dir) == 'iter_12.pth'
    _kill_during_write(work_dir, 'iter_20.pth', '--resume')
    assert _last_checkpoint(work_dir) == 'iter_16.pth'
    _resume(work_dir)
    _assert_same(_result(work_dir), uninterrupted)


@pytest.mark.trains
def test_consingan_kill_mid_scale_then_resume_matches(tmp_path):
    # As the first test, for ConSinGAN: its stage optimizers (one Adam over
    # parameter groups per stage) and its growing generator must resume
    # inside scale 1 to the uninterrupted result.
    expected = _train_uninterrupted(str(tmp_path / 'uninterrupted'),
                                    'consingan')
    work_dir = str(tmp_path / 'killed')
    _kill_during_write(work_dir, 'pickle/iter_12.pkl', model='consingan')
    assert _last_checkpoint(work_dir) == 'iter_8.pth'
    _resume(work_dir, model='consingan')
    _assert_same(_result(work_dir), expected)
