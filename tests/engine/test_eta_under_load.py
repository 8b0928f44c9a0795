"""The printed ETA and the thread choice of the real train loop under load.

Time is simulated: ``SinGAN.train_step`` is replaced by a step that only
moves a fake clock by what the iteration "costs" (per scale, per thread
count, slower once the machine gets "busy"); the loop, its probe, its ETA,
its thread tuner and the progress bar run unchanged on that clock. So the
checks are exact and do not depend on the machine's speed.
"""
import io
import re

import pytest
import torch
from conftest import TINY_CONFIG, TINY_OPTIONS, config_with_options
from mmengine.hooks import Hook
from mmengine.runner import Runner

from singan.commands.progress_bar import ProgressBarHook
from singan.config import prepare_config
from singan.engine.threads import ThreadTuner
from singan.models import SinGAN

#: Simulated seconds per iteration of scales 0-3 on a quiet machine.
COSTS = (0.5, 2.0, 8.0, 32.0)
ITERS = 60  # per scale: 240 in all

pytestmark = pytest.mark.trains  # the real loop, on a fake clock


class World:
    """The fake clock and the machine's state."""

    def __init__(self, slow_from: int = 10**9, factor: float = 5.0,
                 stall_on: int = 0) -> None:
        self.now = 0.0
        self.iters = 0  # iterations of the real loop (not the probe)
        self.slow_from, self.factor, self.stall_on = slow_from, factor, \
            stall_on

    def __call__(self) -> float:
        return self.now

    def cost(self, scale: int) -> float:
        """Seconds of one iteration now."""
        busy = self.iters >= self.slow_from
        stalled = busy and self.stall_on and \
            torch.get_num_threads() >= self.stall_on
        return COSTS[scale] * (self.factor if busy else 1.0) * \
            (10.0 if stalled else 1.0)


class _Watch(Hook):
    """The printed ETA and the clock after every iteration."""

    def __init__(self, world: World, stream: io.StringIO) -> None:
        self.world, self.stream, self.seen = world, stream, []
        self.probe_end = None

    def before_train_epoch(self, runner) -> None:
        self.probe_end = self.world.now  # the probe ran just before

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.world.iters += 1
        line = self.stream.getvalue().rsplit('\r\x1b[K', 1)[-1]
        eta = re.search(r'ETA (?:(\d+):)?(\d+):(\d\d)$', line.strip())
        h, m, s = (int(g or 0) for g in eta.groups())
        self.seen.append((self.world.now, 3600 * h + 60 * m + s,
                          runner.train_loop.progress()['threads']))


def _train(tmp_path, monkeypatch, world: World, *options: str,
           probe_seconds: float = 1e6) -> _Watch:
    """Train the tiny config for ``ITERS`` a scale on ``world``'s clock."""
    def step(model, data, optim_wrapper):
        world.now += world.cost(model.current_scale)
        return dict(loss=torch.tensor(0.0))

    monkeypatch.setattr(SinGAN, 'train_step', step)
    cfg = config_with_options(TINY_CONFIG, [
        *TINY_OPTIONS, f'train_cfg.iters_per_scale={ITERS}',
        'default_hooks.checkpoint.interval=1000',
        'default_hooks.logger.interval=1000',
        f'train_cfg.probe_seconds={probe_seconds}', *options])
    cfg.work_dir = str(tmp_path / 'run')
    prepare_config(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train_loop.clock = world
    stream = io.StringIO()
    runner.register_hook(ProgressBarHook(stream, min_seconds=0,
                                         clock=world))
    watch = _Watch(world, stream)
    runner.register_hook(watch, 'LOWEST')
    runner.train_loop.tuner = ThreadTuner(
        runner.train_loop.tuner.forced, 0, most=2)
    runner.train()
    return watch


def _errors(seen: list, first: int) -> list:
    """Printed ETA / true time left, from iteration ``first`` on."""
    end = seen[-1][0]
    return [eta / (end - now) for now, eta, _ in seen[first:-1]
            if end - now > 0]


@pytest.mark.parametrize('slow_from', [6, 120])
def test_printed_eta_follows_a_5x_slow_down(tmp_path, monkeypatch,
                                            slow_from):
    world = World(slow_from=slow_from, factor=5.0)
    seen = _train(tmp_path, monkeypatch, world, 'train_cfg.threads=1').seen
    # busy from 2.5% of the run: from 10% on; busy from 50%: 30 iterations
    # (1.2 half-lives) on. A mean over the whole run (the ETA before) is
    # 31% short there: it remembers the quiet half.
    first = 24 if slow_from < 24 else slow_from + 30
    ratios = _errors(seen, first)
    assert len(ratios) > 60
    assert all(0.75 <= r <= 1.25 for r in ratios), (min(ratios), max(ratios))
    assert {t for _, _, t in seen} == {1}


def test_contention_moves_training_to_one_thread(tmp_path, monkeypatch):
    # busy from the 3rd iteration: 2 threads stall 10x, 1 thread does not
    world = World(slow_from=3, factor=1.0, stall_on=2)
    seen = _train(tmp_path, monkeypatch, world,
                  'train_cfg.single_thread_pixels=0').seen
    threads = [t for _, _, t in seen]
    for scale in range(4):  # each scale starts on 2, is moved to 1 fast
        part = threads[scale * ITERS:(scale + 1) * ITERS]
        assert part[-1] == 1 and part.count(2) <= 8, (scale, part)
    quiet_one_thread = ITERS * sum(COSTS)
    assert seen[-1][0] < 1.6 * quiet_one_thread  # not 10x
    ratios = _errors(seen, 24)
    assert all(0.75 <= r <= 1.25 for r in ratios), (min(ratios), max(ratios))


def test_probe_stays_within_its_budget(tmp_path, monkeypatch):
    # untimed, the probe would take 4 x (0.5 + 2 + 8 + 32) = 170 s here
    watch = _train(tmp_path, monkeypatch, World(), 'train_cfg.threads=1',
                   probe_seconds=12)
    assert watch.probe_end <= 12.0
    assert watch.seen[0][1] > 0  # the scales not timed got a prediction
