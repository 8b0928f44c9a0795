"""The image pyramid: scale counts and sizes (ops/pyramid.py)."""
import cv2
import mmcv
import numpy as np
import pytest
from conftest import BALLOONS

from singan.datasets import SinGANDataset, create_real_pyramid
from singan.ops import count_scales, rescaled_size


@pytest.mark.parametrize('max_size', [250, 300])
def test_balloons_has_nine_scales(max_size):
    real = mmcv.imread(BALLOONS)  # BGR uint8, as in the usage
    reals, scale_factor, stop_scale = create_real_pyramid(
        real, min_size=25, max_size=max_size, scale_factor_init=0.75)
    assert stop_scale == 8 and len(reals) == 9
    assert reals[0].shape == (25, 33, 3)
    assert reals[-1].shape == (186, 248, 3)
    assert scale_factor == pytest.approx((25 / 186)**(1 / 8))
    sizes = [r.shape[0] for r in reals]
    assert sizes == sorted(sizes) and len(set(sizes)) == 9


def test_finest_level_is_the_image_itself():
    real = mmcv.imread(BALLOONS)
    reals, _, _ = create_real_pyramid(real, 25, 300, 0.75)
    np.testing.assert_allclose(reals[-1], real.astype(np.float32), atol=1e-3)


def test_large_image_is_capped_before_the_levels_are_made():
    # mmagic trains a 480x500 image at full size with max_size 250; we do not.
    real = cv2.resize(mmcv.imread(BALLOONS), (500, 480))
    reals, scale_factor, stop_scale = create_real_pyramid(real, 25, 250, 0.75)
    assert reals[-1].shape[:2] == rescaled_size((480, 500), 250 / 500)
    assert max(reals[-1].shape[:2]) == 250
    assert min(reals[0].shape[:2]) == 25
    assert len(reals) == stop_scale + 1


def test_matches_mmagic_fixture_pyramid():
    # The mmagic fixture: a 64x48 image with min_size 25 gave these sizes.
    sizes = [(25, 33), (29, 39), (35, 46), (41, 54), (48, 64)]
    reals, _, stop = create_real_pyramid(np.zeros((48, 64, 3)), 25, 250, 0.75)
    assert [r.shape[:2] for r in reals] == sizes and stop == 4


@pytest.mark.parametrize('kwargs, fragment', [
    (dict(min_size=300, max_size=250), 'min_size=300 is larger'),
    (dict(scale_factor_init=1.2), 'scale_factor_init=1.2'),
    (dict(scale_factor_init=0), 'scale_factor_init=0'),
])
def test_bad_settings_name_the_value(kwargs, fragment):
    settings = dict(min_size=25, max_size=250, scale_factor_init=0.75)
    settings.update(kwargs)
    with pytest.raises(ValueError, match=fragment):
        count_scales(186, 248, **settings)


def test_image_smaller_than_min_size():
    with pytest.raises(ValueError, match='smaller than min_size=25'):
        count_scales(20, 30, 25, 250, 0.75)


def test_dataset_serves_rgb_pyramid_in_unit_range():
    dataset = SinGANDataset(BALLOONS, min_size=25, max_size=300)
    item = dataset[0]
    assert dataset.num_scales == 8 and len(item) == 9
    finest = item['real_scale8']
    assert finest.shape == (3, 186, 248)
    assert -1 <= float(finest.min()) and float(finest.max()) <= 1
    bgr = mmcv.imread(BALLOONS)
    red = bgr[:, :, 2].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(finest[0].numpy(), red, atol=1e-4)
