"""The train loop, in-process: scales in order, its state, resume, logging."""
import glob
import os.path as osp

import torch
import pytest
from conftest import TINY_CONFIG, TINY_OPTIONS, config_with_options
from mmengine.hooks import Hook
from mmengine.runner import Runner

from singan.config import prepare_config
from singan.engine import SinGANLoggerHook
from singan.fileio import load_checkpoint_file


class _Record(Hook):
    """Where the loop is at every iteration, and which scales finished."""

    def __init__(self) -> None:
        self.iters, self.finished = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        loop = runner.train_loop
        self.iters.append((loop.scale, loop.scale_iter))

    def after_train_scale(self, runner, scale, real) -> None:
        self.finished.append((scale, tuple(real.shape)))


def _runner(work_dir: str, *options: str, **cfg_items) -> Runner:
    """A Runner of the tiny schedule (4 scales x 6 iterations)."""
    cfg = config_with_options(TINY_CONFIG, [*TINY_OPTIONS, *options])
    cfg.work_dir = work_dir
    cfg.update(cfg_items)
    prepare_config(cfg)
    return Runner.from_cfg(cfg)


@pytest.mark.trains
def test_loop_trains_every_scale_once_in_order(tmp_path):
    runner = _runner(str(tmp_path / 'run'))
    record = _Record()
    runner.register_hook(record)
    runner.train()
    loop = runner.train_loop
    assert loop.max_iters == 24 and runner.iter == 24
    assert record.iters == [(s, i) for s in range(4) for i in range(6)]
    assert [s for s, _ in record.finished] == [0, 1, 2, 3]
    assert record.finished[-1][1] == (1, 3, 36, 48)
    progress = loop.progress()
    assert progress['percent'] == 100.0 and progress['eta_s'] == 0.0
    checkpoint = load_checkpoint_file(str(tmp_path / 'run' / 'iter_12.pth'))
    loop_state = checkpoint['singan_loop']
    assert (loop_state['scale'], loop_state['scale_iter']) == (1, 6)
    assert loop_state['elapsed_s'] > 0  # the time so far, for a resume
    assert checkpoint['singan_state']['curr_stage'] == 1
    # the snapshot reached the visualizer's backend and the work dir
    assert glob.glob(str(tmp_path / 'run' / '*' / 'vis_data' / 'vis_image' /
                         'scale_3_24.png'))
    assert osp.isfile(str(tmp_path / 'run' / 'snapshots' / 'scale_3.png'))


@pytest.mark.trains
def test_resume_from_a_checkpoint_of_before_the_loop(tmp_path):
    """Checkpoints without ``singan_loop`` resume at the right place."""
    full = _runner(str(tmp_path / 'full'))
    full.train()
    legacy = load_checkpoint_file(str(tmp_path / 'full' / 'iter_12.pth'))
    legacy.pop('singan_loop')
    path = str(tmp_path / 'legacy.pth')
    torch.save(legacy, path)
    resumed = _runner(str(tmp_path / 'resumed'), resume=True, load_from=path)
    record = _Record()
    resumed.register_hook(record)
    resumed.train()
    assert record.iters[0] == (2, 0) and len(record.iters) == 12
    ours = load_checkpoint_file(str(tmp_path / 'resumed' / 'iter_24.pth'))
    want = load_checkpoint_file(str(tmp_path / 'full' / 'iter_24.pth'))
    for key, value in want['state_dict'].items():
        assert torch.equal(ours['state_dict'][key], value), key


class _FakeClock:
    """25 s pass between two readings."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 25.0
        return self.now


@pytest.mark.trains
def test_slow_iterations_still_get_a_line_a_minute(tmp_path):
    runner = _runner(str(tmp_path / 'run'),
                     'default_hooks.logger.interval=1000')
    logger = next(h for h in runner.hooks if isinstance(h, SinGANLoggerHook))
    logger.clock = _FakeClock()
    lines = []
    runner.logger.info = lambda msg, *a, **k: lines.append(str(msg))
    runner.train()
    train_lines = [line for line in lines if line.startswith('Iter(train)')]
    # 25 s per iteration: a line at least every 60 s, i.e. every 3rd
    assert 7 <= len(train_lines) <= 9
    assert 'scale 0/3 [3/6]' in train_lines[0] and '12.5%' in train_lines[0]
    assert 'eta: ' in train_lines[0]
