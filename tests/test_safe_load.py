"""Safe loading: pickles and checkpoints that would run code are refused.

A file that asks the unpickler for a callable (``os.system``, ``eval``, a
``getattr`` chain) must be refused before anything from it runs; the check
is a marker file the payload would create. Legitimate files in mmagic's
layout (``tests/fixtures/mmagic_singan_balloons_tiny``) and our own
checkpoints must load.
"""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from conftest import MMAGIC_FIXTURE, run_tool
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import CheckpointLoader

from singan.fileio import (UnsafeFileError, load_checkpoint_file,
                           load_pickle)

FIXTURES = MMAGIC_FIXTURE


class _RunsCommand:
    """Unpickling this calls ``os.system`` (the classic pickle attack)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class _Evals:
    """Unpickling this calls ``eval`` on a string."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return eval, (f'open({self.marker!r}, "w").close()', )


class _GetattrChain:
    """Unpickling this asks ``getattr`` for a private attribute."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def _payloads(marker: str):
    return [_RunsCommand(marker), _Evals(marker)]


@pytest.mark.parametrize('kind', ['system', 'eval'])
def test_pickle_that_runs_code_is_refused(tmp_path, kind):
    marker = str(tmp_path / 'ran')
    payload = dict(zip(['system', 'eval'], _payloads(marker)))[kind]
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps(
        {'fixed_noises': [payload], 'noise_weights': [1.0],
         'curr_stage': 0}))
    with pytest.raises(UnsafeFileError, match='refusing to load it'):
        load_pickle(path)
    assert not osp.exists(marker)


def test_pickle_refuses_tensors_and_getattr(tmp_path):
    # Pickles hold numpy data only; torch objects and getattr are refused.
    for i, obj in enumerate([torch.zeros(2), _GetattrChain()]):
        path = tmp_path / f'{i}.pkl'
        path.write_bytes(pickle.dumps({'x': obj}))
        with pytest.raises(UnsafeFileError):
            load_pickle(path)


def test_checkpoint_that_runs_code_is_refused(tmp_path):
    marker = str(tmp_path / 'ran')
    for i, payload in enumerate(_payloads(marker) + [_GetattrChain()]):
        path = tmp_path / f'evil_{i}.pth'
        torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': payload},
                   path)
        with pytest.raises(UnsafeFileError, match='nothing from the file'):
            load_checkpoint_file(path)
        # mmengine's own loading goes through the same restricted loader.
        with pytest.raises(UnsafeFileError):
            CheckpointLoader.load_checkpoint(str(path))
    assert not osp.exists(marker)


def test_numpy_object_array_with_code_is_refused(tmp_path):
    marker = str(tmp_path / 'ran')
    array = np.array([_RunsCommand(marker)], dtype=object)
    path = tmp_path / 'object_array.pkl'
    path.write_bytes(pickle.dumps({'fixed_noises': [array]}))
    with pytest.raises(UnsafeFileError):
        load_pickle(path)
    assert not osp.exists(marker)


def test_mmagic_pickle_loads():
    state = load_pickle(osp.join(FIXTURES, 'mmagic_singan.pkl'))
    assert sorted(state) == ['curr_stage', 'fixed_noises', 'noise_weights']
    assert state['curr_stage'] == 4
    noises = state['fixed_noises']
    assert len(noises) == 5 == len(state['noise_weights'])
    assert noises[0].shape == (1, 1, 25, 33) and noises[0].dtype == np.float32
    assert all(n.shape[1] == 3 and not n.any() for n in noises[1:])
    assert state['noise_weights'][0] == 1.0


def test_mmagic_checkpoint_loads_where_weights_only_refuses():
    path = osp.join(FIXTURES, 'mmagic_singan.pth')
    ckpt = load_checkpoint_file(path)
    weights = ckpt['state_dict']
    assert weights['generator.blocks.4.tail.conv.weight'].shape[0] == 3
    assert any(k.startswith('discriminator.blocks.4.') for k in weights)
    # mmengine's log records are why torch's weights_only=True is not enough
    # (see docs/reliability.md): they load here as data.
    buffers = ckpt['message_hub']['log_scalars']
    assert all(isinstance(v, HistoryBuffer) for v in buffers.values())
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location='cpu', weights_only=True)


def test_our_checkpoint_loads_through_mmengine(tiny_run):
    ckpt = CheckpointLoader.load_checkpoint(tiny_run.checkpoint)
    assert ckpt['singan_state']['curr_stage'] == 3
    assert isinstance(ckpt['rng_state'], torch.Tensor)


def test_tools_refuse_files_that_run_code(tiny_run, tmp_path):
    marker = str(tmp_path / 'ran')
    pkl = tmp_path / 'evil.pkl'
    pkl.write_bytes(pickle.dumps(_RunsCommand(marker)))
    proc = run_tool('test.py', tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(tmp_path / 'out'), '--cfg-options',
                    f'test_cfg.pkl_data={pkl}', *tiny_run.options,
                    check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"error: {pkl} asks to load posix.system")
    ckpt = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _RunsCommand(marker)}, ckpt)
    proc = run_tool('train.py', tiny_run.config, '--work-dir',
                    str(tmp_path / 'work'), '--resume', str(ckpt),
                    '--cfg-options', *tiny_run.options, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'refusing to load it' in proc.stderr.strip().splitlines()[-1]
    assert not osp.exists(marker)
