"""Known-answer tests of the sample-quality measures (singan.evaluation)."""
import json

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

from singan.evaluation import (InceptionStem, laplacian_pyramid,
                               multiscale_swd, nearest_patch_distances,
                               patch_copy_stats, pixel_diversity,
                               reconstruction_rmse, sifid, sliced_wasserstein)
from singan.evaluation.sifid import frechet_distance, load_inception_stem
from singan.fileio import read_image
from singan.fileio.image_io import to_unit_range
from singan.ops.pyramid import resize_image

from conftest import BALLOONS, run_tool


@pytest.fixture(scope='module')
def real() -> torch.Tensor:
    """balloons.png at 96x128, ``(1, 3, 96, 128)`` in [-1, 1]."""
    image = read_image(BALLOONS)
    tensor = torch.from_numpy(to_unit_range(image, image.dtype))
    return resize_image(tensor.permute(2, 0, 1)[None].float(), (96, 128))


def _shifted(real, num=8, seed=0):
    """Copies of ``real`` rolled by different random offsets."""
    g = torch.Generator().manual_seed(seed)
    offsets = torch.randint(-30, 30, (num, 2), generator=g).tolist()
    return torch.cat([torch.roll(real, tuple(o), (2, 3)) for o in offsets])


def test_laplacian_pyramid_of_constant_image():
    image = torch.full((1, 3, 32, 32), 0.5)
    levels = laplacian_pyramid(image, 3)
    assert [lv.shape[-1] for lv in levels] == [32, 16, 8]
    # Band-pass levels of a constant are zero away from the border.
    assert levels[0][..., 4:-4, 4:-4].abs().max() < 1e-6
    assert levels[-1][..., 2:-2, 2:-2].sub(0.5).abs().max() < 1e-6


def test_sliced_wasserstein_known_answers():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(256, 10, generator=g)
    assert sliced_wasserstein(a, a.clone(), torch.Generator()) == 0.0
    # A shift along one axis by 1 moves each projection by |d_0|.
    far = sliced_wasserstein(a, a + torch.eye(10)[0], torch.Generator())
    assert 0.1 < far < 0.5  # E|d_0| for unit d in 10-D is about 0.25


def test_swd_identical_is_noise_floor_and_seeded(real):
    same = multiscale_swd(real, real.repeat(8, 1, 1, 1), seed=1)
    assert set(same) == {'swd_96', 'swd_48', 'swd_24', 'swd_avg'}
    assert same == multiscale_swd(real, real.repeat(8, 1, 1, 1), seed=1)
    assert multiscale_swd(real, real.repeat(8, 1, 1, 1), seed=2) != same
    g = torch.Generator().manual_seed(0)
    noisy = real + 0.1 * torch.randn(8, *real.shape[1:], generator=g)
    noise = multiscale_swd(real, noisy, seed=1)
    # Noise is fine detail: the finest level rises far above the floor,
    # the coarsest stays at it.
    assert noise['swd_96'] > 2.5 * same['swd_96']
    assert noise['swd_24'] < 1.3 * same['swd_24']


def test_swd_shifted_copies_raise_coarse_levels(real):
    same = multiscale_swd(real, real.repeat(8, 1, 1, 1), seed=1)
    shifted = multiscale_swd(real, _shifted(real), seed=1)
    assert shifted['swd_24'] > 1.5 * same['swd_24']
    assert shifted['swd_24'] - same['swd_24'] > \
        shifted['swd_96'] - same['swd_96']


def test_swd_rejects_different_sizes(real):
    with pytest.raises(ValueError, match='same size'):
        multiscale_swd(real, real[..., :64])


def test_pixel_diversity_known_answers(real):
    assert pixel_diversity(real.repeat(4, 1, 1, 1), real) == 0.0
    assert pixel_diversity(_shifted(real), real) > 0.3
    # Two samples at +-s: per-pixel std is s, so diversity = s / std(real).
    s = 0.2
    pair = torch.cat([real + s, real - s])
    assert pixel_diversity(pair, real) == pytest.approx(
        s / real.double().std(unbiased=False).item(), rel=1e-6)
    with pytest.raises(ValueError, match='at least 2'):
        pixel_diversity(real, real)


def test_reconstruction_rmse_known_answers(real):
    assert reconstruction_rmse(real, real) == 0.0
    assert reconstruction_rmse(real + 0.25, real) == pytest.approx(0.25)


def test_patch_copy_known_answers(real):
    # The image itself and a crop of it hold only the image's own patches,
    # so every patch has an exact match (up to cdist's rounding); noise has
    # none.
    copies = patch_copy_stats(real, real)
    assert copies['patch_nn_rmse'] == pytest.approx(0.0, abs=1e-7)
    assert copies['patch_copy_fraction'] == 1.0
    crop = real[..., 10:50, 20:90]
    assert patch_copy_stats(crop, real)['patch_nn_rmse'] == pytest.approx(
        0.0, abs=1e-7)
    rng = torch.Generator().manual_seed(0)
    noise = torch.rand(2, 3, 40, 40, generator=rng)
    far = patch_copy_stats(noise * 2 - 1, real)
    assert far['patch_copy_fraction'] == 0.0 and far['patch_nn_rmse'] > 0.3
    # A constant offset of 0.1 everywhere: every nearest patch of a flat
    # image is 0.1 away (one patch, one position).
    flat = torch.zeros(1, 3, 7, 7)
    dist = nearest_patch_distances(flat + 0.1, flat, patch_size=7)
    assert dist.tolist() == pytest.approx([0.1])
    with pytest.raises(ValueError, match='patch_size=9'):
        nearest_patch_distances(flat, flat, patch_size=9)


def test_frechet_distance_of_shifted_features():
    feats = np.random.default_rng(0).normal(size=(500, 6))
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-8)
    shift = np.array([1.0, 2.0, 0, 0, 0, 0])
    assert frechet_distance(feats, feats + shift) == pytest.approx(5.0)


@pytest.mark.parametrize('dims', [64, 192])
def test_sifid_with_a_weights_file(tmp_path, real, dims):
    torch.manual_seed(0)
    stem = InceptionStem(dims)
    # torchvision's file holds the whole network; extra keys are ignored.
    state = dict(stem.state_dict(), **{'fc.weight': torch.zeros(2, 2)})
    path = str(tmp_path / 'inception.pth')
    torch.save(state, path)
    loaded, sha = load_inception_stem(path, dims)
    assert len(sha) == 64
    same = sifid(loaded, real, real.repeat(2, 1, 1, 1))['sifid']
    shifted = sifid(loaded, real, _shifted(real, 2))['sifid']
    # Random weights give small features: compare the two, not absolutes.
    assert abs(same) < 1e-3 * shifted


def test_metrics_through_mmengine_evaluator(real, capsys):
    with DefaultScope.overwrite_default_scope('singan'):
        evaluator = _build_evaluator()
    fakes = _shifted(real, 4)
    evaluator.process([
        dict(fake_img=f, recon_img=real[0], gt_img=real[0]) for f in fakes
    ])
    result = evaluator.evaluate(len(fakes))
    assert result['diversity'] == pytest.approx(pixel_diversity(fakes, real))
    assert result['swd_avg'] == pytest.approx(
        multiscale_swd(real, fakes)['swd_avg'])
    assert result['recon_rmse'] == 0.0
    assert 0.0 < result['patch_copy_fraction'] <= 1.0
    assert result['sifid_unavailable'] == 1.0
    assert 'SIFID unavailable' in capsys.readouterr().out


def _build_evaluator() -> Evaluator:
    return Evaluator([
        dict(type='SinGANSWD'), dict(type='PixelDiversity'),
        dict(type='ReconstructionRMSE'), dict(type='PatchCopy'),
        dict(type='SIFID', inception_path='/nonexistent/inception.pth')
    ])


def test_evaluate_tool_on_tiny_run(tiny_run, tmp_path):
    out = tmp_path / 'metrics.json'
    grid = tmp_path / 'grid.png'
    run_tool('evaluate.py', tiny_run.config, tiny_run.checkpoint,
             '--num-samples', '4', '--out', str(out), '--grid', str(grid),
             '--cfg-options', *tiny_run.options)
    result = json.loads(out.read_text())
    assert result['size'] == [36, 48]
    assert {'swd_36', 'swd_18', 'swd_avg', 'diversity',
            'recon_rmse', 'patch_nn_rmse', 'patch_copy_fraction',
            'sifid_unavailable'} <= set(result)
    assert 0 < result['diversity'] < 5 and result['recon_rmse'] > 0
    assert grid.is_file()
