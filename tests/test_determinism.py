"""Determinism: the same config and seed give the same result on one machine.

Two trainings of the tiny schedule with the same seed must write the same
pickle and the same weights, and ``tools/test.py`` with the same ``--seed``
must write the same images; another seed must change them (so the checks
can fail). What holds across machines is in ``docs/reliability.md``.
"""
import os.path as osp
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import run_tool, train_tiny

from singan.fileio import load_checkpoint_file, load_pickle


@pytest.fixture(scope='module')
def runs(tiny_run, tmp_path_factory):
    """``tiny_run`` plus a second run with seed 0 and one with seed 1."""
    base = tmp_path_factory.mktemp('determinism')
    with ThreadPoolExecutor(max_workers=2) as pool:
        same = pool.submit(train_tiny, str(base / 'seed0'))
        other = pool.submit(train_tiny, str(base / 'seed1'),
                            'randomness.seed=1')
        return tiny_run, same.result(), other.result()


def _weights(run) -> dict:
    ckpt = load_checkpoint_file(run.checkpoint)
    return {k: v for k, v in ckpt['state_dict'].items()
            if k.startswith(('generator.', 'discriminator.'))}


def _samples(run, out_dir: str, seed: int) -> dict:
    run_tool('test.py', run.config, run.checkpoint, '--out-dir', out_dir,
             '--num-samples', '2', '--seed', str(seed), '--cfg-options',
             f'test_cfg.pkl_data={run.pickle}', *run.options)
    names = ('reconstruction.png', 'sample_00.png', 'sample_01.png')
    out = {}
    for name in names:
        with open(osp.join(out_dir, name), 'rb') as f:
            out[name] = f.read()
    return out


def test_same_seed_gives_same_pickle_and_weights(runs):
    first, second, _ = runs
    with open(first.pickle, 'rb') as a, open(second.pickle, 'rb') as b:
        assert a.read() == b.read()
    weights, again = _weights(first), _weights(second)
    assert weights.keys() == again.keys()
    assert all(torch.equal(weights[k], again[k]) for k in weights)


def test_other_seed_gives_other_pickle(runs):
    first, _, other = runs
    noise = load_pickle(first.pickle)['fixed_noises'][0]
    assert not np.array_equal(noise,
                              load_pickle(other.pickle)['fixed_noises'][0])
    weights, others = _weights(first), _weights(other)
    assert not all(torch.equal(weights[k], others[k]) for k in weights)


def test_same_seed_gives_same_samples(runs, tmp_path):
    first, second, _ = runs
    images = _samples(first, str(tmp_path / 'a'), seed=0)
    assert images == _samples(second, str(tmp_path / 'b'), seed=0)
    other = _samples(first, str(tmp_path / 'c'), seed=1)
    assert other['reconstruction.png'] == images['reconstruction.png']
    assert other['sample_00.png'] != images['sample_00.png']
