"""ConSinGAN's pyramid against sizes worked out by hand from its formulas.

The authors (``functions.py``, generation mode):
    scale1       = min(max_size / max(H, W), 1); real = imresize(real, scale1)
    stop_scale   = train_stages - 1
    scale_factor = (min_size / min(h, w)) ** (1 / stop_scale)
    level i < stop_scale: scale_factor ** ((stop_scale - 1) / ln(stop_scale)
                                           * ln(stop_scale - i) + 1)
and ``imresize`` gives ``ceil(side * scale)``.
"""
import math

import pytest

from conftest import BALLOONS
from singan.config import image_num_scales
from singan.datasets import SinGANDataset
from singan.ops.consingan_pyramid import (consingan_level_scale,
                                          consingan_pyramid_sizes)


def test_balloons_six_stages_by_hand():
    # balloons.png is 248x186 (WxH): not capped (250 / 248 > 1).
    # scale_factor = (25 / 186) ** (1 / 5) = exp(-2.006871 / 5) = 0.669400
    # exponents (4 / ln 5) ln(5 - i) + 1: 5, 4.445412, 3.730425, 2.722706, 1
    # scales: 0.134409, 0.167929, 0.223737, 0.335270, 0.669400
    # H: 25.0, 31.24, 41.62, 62.36, 124.51 -> ceil 25, 32, 42, 63, 125
    # W: 33.33, 41.65, 55.49, 83.15, 166.01 -> ceil 34, 42, 56, 84, 167
    sizes, factor = consingan_pyramid_sizes(186, 248, 6, 25, 250)
    assert sizes == [(25, 34), (32, 42), (42, 56), (63, 84), (125, 167),
                     (186, 248)]
    assert factor == pytest.approx(0.669400, abs=1e-6)


def test_capped_image_by_hand():
    # 400x300 (WxH), max_size 250: scale1 = 0.625 -> 250 x ceil(187.5) = 188
    # scale_factor = (25 / 188) ** 0.2 = 0.667969
    # scales: 0.132979, 0.166343, 0.221960, 0.333324, 0.667969
    # H: 25.0, 31.27, 41.73, 62.66, 125.58 -> 25, 32, 42, 63, 126
    # W: 33.24, 41.59, 55.49, 83.33, 166.99 -> 34, 42, 56, 84, 167
    sizes, factor = consingan_pyramid_sizes(300, 400, 6, 25, 250)
    assert sizes == [(25, 34), (32, 42), (42, 56), (63, 84), (126, 167),
                     (188, 250)]
    assert factor == pytest.approx(0.667969, abs=1e-6)


def test_levels_are_denser_at_low_resolution():
    factor = 0.6694
    exponents = [math.log(consingan_level_scale(factor, 5, i), factor)
                 for i in range(5)]
    assert exponents == pytest.approx([5, 4.445412, 3.730425, 2.722706, 1],
                                      abs=1e-6)
    gaps = [a - b for a, b in zip(exponents, exponents[1:])]
    assert gaps == sorted(gaps)  # the smallest steps are the coarsest


def test_two_and_one_stages():
    # stop_scale 1: the authors' formula is 0 / ln(1); its limit gives the
    # exponent 1, i.e. the coarsest stage has the short side min_size.
    assert consingan_pyramid_sizes(186, 248, 2, 25, 250)[0] == [
        (25, 34), (186, 248)]
    assert consingan_pyramid_sizes(186, 248, 1, 25, 250) == ([(186, 248)],
                                                             1.0)


@pytest.mark.parametrize('args, match', [
    ((186, 248, 0, 25, 250), 'num_stages=0'),
    ((20, 30, 6, 25, 250), 'smaller than min_size=25'),
    ((186, 248, 6, 300, 250), 'min_size=300'),
])
def test_bad_settings_name_the_fix(args, match):
    with pytest.raises(ValueError, match=match):
        consingan_pyramid_sizes(*args)


def test_dataset_option_serves_the_consingan_pyramid():
    dataset = SinGANDataset(BALLOONS, pyramid='consingan', num_stages=6)
    assert dataset.num_scales == 5
    assert [tuple(r.shape[-2:]) for r in dataset.reals] == [
        (25, 34), (32, 42), (42, 56), (63, 84), (125, 167), (186, 248)]
    assert all(-1 <= float(r.min()) and float(r.max()) <= 1
               for r in dataset.reals)
    assert image_num_scales(dict(data_root=BALLOONS, pyramid='consingan',
                                 num_stages=4)) == 3
    with pytest.raises(ValueError, match="needs pyramid='consingan'"):
        SinGANDataset(BALLOONS, num_stages=6)
    with pytest.raises(ValueError, match='use one of'):
        SinGANDataset(BALLOONS, pyramid='prosingan')
