"""The schedule: iterations per scale and the learning-rate drop."""
import pytest

from singan.engine import ScaleSchedule


def test_paper_schedule_drops_the_rate_at_80_percent_of_each_scale():
    sched = ScaleSchedule(num_scales=8)
    assert sched.total_iters == 18000 and sched.milestones == (1600, )
    assert sched.first_iter(1) == 2000
    assert sched.lr_factor(1599) == 1.0
    assert sched.lr_factor(1600) == pytest.approx(0.1)
    assert sched.lr_factor(0) == 1.0  # every scale starts at full rate


def test_drop_is_derived_from_the_scale_length():
    assert ScaleSchedule(num_scales=2, iters_per_scale=250).milestones == \
        (200, )
    assert ScaleSchedule(num_scales=2, iters_per_scale=6).milestones == (4, )
    assert ScaleSchedule(num_scales=2, iters_per_scale=10,
                         milestones=(3, 7)).lr_factor(7) == \
        pytest.approx(0.01)


@pytest.mark.parametrize('kwargs, match', [
    (dict(iters_per_scale=0), 'iters_per_scale=0'),
    (dict(iters_per_scale=2.5), 'iters_per_scale=2.5'),
    (dict(num_scales=-1), 'num_scales=-1'),
    (dict(lr_drop_at=1.5), 'lr_drop_at=1.5'),
])
def test_schedule_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ScaleSchedule(**dict(dict(num_scales=3), **kwargs))
