"""End to end: tools/train.py then tools/test.py on a tiny schedule."""
import json
import math
import os.path as osp
import pickle

import numpy as np
import pytest
from conftest import run_tool


def test_train_writes_checkpoint_pickle_and_snapshots(tiny_run):
    assert osp.isfile(tiny_run.checkpoint)
    with open(tiny_run.pickle, 'rb') as f:
        state = pickle.load(f)  # our own file, written in this test session
    assert state['curr_stage'] == 3
    assert len(state['fixed_noises']) == 4 == len(state['noise_weights'])
    assert state['noise_weights'][0] == 1.0
    assert all(0 < w < 1 for w in state['noise_weights'][1:])
    first = state['fixed_noises'][0]
    assert first.dtype == np.float32 and first.shape[:2] == (1, 1)
    assert all(n.shape[1] == 3 and not n.any()
               for n in state['fixed_noises'][1:])
    for scale in range(4):
        assert osp.isfile(
            osp.join(tiny_run.work_dir, 'snapshots', f'scale_{scale}.png'))


def test_test_tool_writes_samples_with_pickle(tiny_run, tmp_path):
    out = tmp_path / 'samples'
    proc = run_tool('test.py', tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(out), '--num-samples', '3',
                    '--cfg-options', f'test_cfg.pkl_data={tiny_run.pickle}',
                    *tiny_run.options)
    assert str(out) in proc.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ['grid.png', 'reconstruction.png', 'sample_00.png',
                     'sample_01.png', 'sample_02.png']


def test_test_tool_accepts_mmagic_key_test_pkl_data(tiny_run, tmp_path):
    proc = run_tool('test.py', tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(tmp_path), '--num-samples', '1',
                    '--cfg-options', f'model.test_pkl_data={tiny_run.pickle}',
                    *tiny_run.options)
    assert osp.isfile(tmp_path / 'sample_00.png'), proc.stdout


def test_test_tool_out_writes_metrics_of_runner_test(tiny_run, tmp_path):
    """--out: the test_evaluator's metrics, the same as tools/evaluate.py's."""
    out = tmp_path / 'metrics.json'
    proc = run_tool('test.py', tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(tmp_path / 'samples'), '--num-samples',
                    '3', '--seed', '5', '--out', str(out), '--cfg-options',
                    *tiny_run.options)
    assert 'Metrics: ' in proc.stdout and str(out) in proc.stdout
    metrics = json.loads(out.read_text())
    for key in ('swd_avg', 'diversity', 'recon_rmse'):
        assert math.isfinite(metrics[key]) and metrics[key] > 0, key
    assert metrics['num_samples'] == 3 and metrics['size'] == [36, 48]
    assert len(list((tmp_path / 'samples').glob('sample_*.png'))) == 3
    ref = tmp_path / 'evaluate.json'
    run_tool('evaluate.py', tiny_run.config, tiny_run.checkpoint,
             '--num-samples', '3', '--seed', '5', '--out', str(ref),
             '--cfg-options', *tiny_run.options)
    expected = json.loads(ref.read_text())
    for key in ('swd_avg', 'diversity', 'recon_rmse'):
        assert metrics[key] == pytest.approx(expected[key], rel=1e-6), key


def test_test_tool_out_needs_an_evaluator(tiny_run, tmp_path):
    proc = run_tool('test.py', tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(tmp_path / 'samples'), '--out',
                    str(tmp_path / 'm.json'), '--cfg-options',
                    *tiny_run.options, 'test_evaluator=None', check=False)
    assert proc.returncode == 2
    assert 'no test_evaluator' in proc.stderr
    assert not (tmp_path / 'm.json').exists()


def test_test_tool_takes_the_work_dirs_own_config(tiny_run, tmp_path):
    """The config training writes holds ``test_cfg = None``; setting
    ``test_cfg.pkl_data`` on it (what our messages suggest) works."""
    config = osp.join(tiny_run.work_dir, 'singan_balloons.py')
    with open(config) as f:
        assert 'test_cfg = None' in f.read()
    proc = run_tool('test.py', config, tiny_run.checkpoint, '--out-dir',
                    str(tmp_path), '--num-samples', '1', '--cfg-options',
                    f'test_cfg.pkl_data={tiny_run.pickle}')
    assert 'Traceback' not in proc.stderr
    assert osp.isfile(tmp_path / 'sample_00.png'), proc.stdout
