"""The thread tuner: trials of another count, kept when faster (no clock)."""
import pytest
import torch

from singan.engine.threads import ThreadTuner, guess_threads, scale_threads

SMALL = torch.zeros(1, 3, 20, 30)  # 600 pixels
LARGE = torch.zeros(1, 3, 100, 100)  # 10000 pixels


def _run(tuner: ThreadTuner, seconds_on: dict, iters: int) -> list:
    """``iters`` iterations taking ``seconds_on[count]``; counts used."""
    used = []
    for _ in range(iters):
        count = tuner.threads_now()
        used.append(count)
        tuner.record(seconds_on[count])
    return used


def test_first_guess_is_one_thread_for_small_scales():
    assert guess_threads(SMALL, 4096, 8) == 1
    assert guess_threads(LARGE, 4096, 8) == 8
    assert guess_threads(SMALL, 0, 8) == 8


def test_a_busy_machine_moves_a_large_scale_to_fewer_threads():
    tuner = ThreadTuner(most=2, recheck_every=20, window=5)
    tuner.start_scale(LARGE, probed=1.0)
    # contention: 2 threads stall at 10 s, 1 thread runs at 1.1 s
    used = _run(tuner, {2: 10.0, 1: 1.1}, 40)
    # the guess until the window is full, a trial of 1 thread (kept), then
    # after 20 iterations a trial of 2 threads, stopped after one iteration
    assert used == [2] * 5 + [1] * 3 + [1] * 20 + [2] + [1] * 11
    assert tuner.log and '1 thread instead of 2' in tuner.log[0]


def test_a_quiet_machine_keeps_the_faster_count_and_tries_it_rarely():
    tuner = ThreadTuner(most=2, recheck_every=20, window=5)
    tuner.start_scale(LARGE, probed=1.0)
    used = _run(tuner, {2: 1.0, 1: 3.0}, 400)
    trials = used.count(1)
    # each trial stops after its first iteration (3x slower); the waits
    # between them: 5, then 20, 40, 80, 160 (at most 8 x 20)
    assert trials == 5 and used[-1] == 2
    assert not tuner.log


def test_a_count_must_be_clearly_faster_to_be_kept():
    tuner = ThreadTuner(most=2, window=5, margin=0.1)
    tuner.start_scale(LARGE, probed=1.0)
    used = _run(tuner, {2: 1.0, 1: 0.95}, 10)  # 5% faster: noise
    assert used[:8] == [2] * 5 + [1] * 3 and used[8:] == [2, 2]


def test_forced_threads_are_never_tuned():
    tuner = ThreadTuner(threads=3, most=2)
    tuner.start_scale(SMALL, probed=0.1)
    assert set(_run(tuner, {3: 10.0}, 50)) == {3} and not tuner.tuning
    with pytest.raises(ValueError, match='threads=0 must be an integer'):
        ThreadTuner(threads=0)


def test_one_core_has_nothing_to_tune():
    tuner = ThreadTuner(most=1)
    tuner.start_scale(LARGE, probed=0.1)
    assert set(_run(tuner, {1: 5.0}, 30)) == {1} and not tuner.tuning


def test_scale_threads_sets_and_restores():
    before = torch.get_num_threads()
    with scale_threads(LARGE, 4096, threads=1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
