"""The ETA: per-scale costs calibrated on the iterations run (fake clock)."""
import pytest

from singan.engine import ScaleETA


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run(eta: ScaleETA, clock: FakeClock, iters: int, seconds: float):
    for _ in range(iters):
        clock.now += seconds
        eta.iteration_done()


def test_eta_follows_costs_that_grow_with_the_scale():
    # probed: 0.01 s at scale 0 up to 2 s at scale 3; the run is 1.5x slower
    costs = {0: 0.01, 1: 0.05, 2: 0.4, 3: 2.0}
    clock = FakeClock()
    eta = ScaleETA(100, costs, clock)
    eta.start(0, 0)
    _run(eta, clock, 40, 0.015)
    assert eta.calibration == pytest.approx(1.5)
    left = 1.5 * (60 * 0.01 + 100 * (0.05 + 0.4 + 2.0))
    assert eta.seconds_left() == pytest.approx(left)
    # mmengine's: mean time so far x iterations left, ~60x too short here
    assert 0.015 * 360 < left / 50


def test_eta_recalibrates_and_equals_the_time_the_run_then_takes():
    costs = {0: 0.01, 1: 0.05, 2: 0.4}
    true = {0: 0.02, 1: 0.09, 2: 0.8}  # ~2x the probe, not exactly
    clock = FakeClock()
    eta = ScaleETA(10, costs, clock)
    predictions, elapsed = [], []
    for scale in range(3):
        eta.start(scale, 0)
        for _ in range(10):
            predictions.append(eta.seconds_left())
            elapsed.append(clock.now)
            _run(eta, clock, 1, true[scale])
    total = clock.now
    # after 10% of the iterations, within 25% of the time that was left
    i = 3
    assert predictions[i] == pytest.approx(total - elapsed[i], rel=0.25)
    assert eta.seconds_left() == 0.0


def test_eta_resumed_inside_a_scale_counts_only_what_is_left():
    clock = FakeClock()
    eta = ScaleETA(10, {2: 1.0, 3: 4.0}, clock)
    eta.start(2, 7)
    assert eta.seconds_left() == pytest.approx(3 * 1.0 + 10 * 4.0)
    _run(eta, clock, 1, 2.0)
    assert eta.seconds_left() == pytest.approx(2.0 * (2 * 1.0 + 40.0))


def test_eta_needs_a_cost():
    with pytest.raises(ValueError, match='at least one scale'):
        ScaleETA(10, {})
