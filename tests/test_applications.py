"""Applications on a tiny trained SinGAN: Python API and tools/apps.py."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import config_with_options, run_tool, train_tiny
from mmengine.config import Config

from singan import apis
from singan.evaluation import reconstruction_rmse
from singan.fileio import read_image, save_image


def _cfg(run) -> Config:
    """The tiny run's config with its ``--cfg-options`` applied."""
    return config_with_options(run.config, run.options)


@pytest.fixture(scope='module')
def tiny(tiny_run):
    """``(model, cfg, real)`` of the session's tiny run."""
    cfg = _cfg(tiny_run)
    model = apis.load_model(cfg, tiny_run.checkpoint)
    real = apis.training_pyramid(cfg, model.sizes)[-1]
    return model, cfg, real


@pytest.fixture(scope='module')
def sr_run(tmp_path_factory):
    """A tiny model trained for SR: ratio 2^(-1/3), alpha 100."""
    return train_tiny(
        str(tmp_path_factory.mktemp('sr_run')),
        'train_dataloader.dataset.scale_factor_init=0.7937',
        'model.recon_weight=100.0')


def _rng(seed=0):
    return torch.Generator().manual_seed(seed)


def _write_inputs(folder, real):
    """A reference with a changed square, its mask, and a wrong-size mask."""
    height, width = real.shape[-2:]
    reference = real.clone()
    reference[:, :, 10:20, 12:24] = torch.tensor([1.0, -1.0, -1.0])[:, None,
                                                                    None]
    mask = np.zeros((height * 4, width * 4, 3), np.uint8)
    mask[40:80, 48:96] = 255  # the square, at 4x the size
    paths = {
        'ref': save_image(reference[0], osp.join(folder, 'ref.png')),
        'mask': save_image(mask, osp.join(folder, 'mask.png')),
        'wide_mask': save_image(np.full((height, width * 2, 3), 255,
                                        np.uint8),
                                osp.join(folder, 'wide_mask.png')),
    }
    return reference, paths


# ------------------------------------------------------------- Python API
@pytest.mark.parametrize('factors', [(1, 2), (2, 1), (0.5, 1.5), (1, 1)])
def test_sample_sizes_follow_factors(tiny, factors):
    model, _, _ = tiny
    samples = apis.random_samples(model, 3, factors, _rng())
    height, width = model.sizes[-1]
    assert samples.shape == (3, 3, round(height * factors[0]),
                             round(width * factors[1]))
    assert torch.isfinite(samples).all()
    assert not torch.equal(samples[0], samples[1])  # one batch, 3 samples


def test_same_seed_same_sample(tiny):
    model, _, _ = tiny
    first = apis.random_samples(model, 2, (1, 2), _rng(7))
    again = apis.random_samples(model, 2, (1, 2), _rng(7))
    other = apis.random_samples(model, 2, (1, 2), _rng(8))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


@pytest.mark.parametrize('text', ['0x1', '1x-2', 'abc', '1x2x3', 'infx1'])
def test_bad_factors_are_refused(text):
    with pytest.raises(ValueError, match='Factor|factor'):
        apis.parse_factors(text)


def test_parse_factors():
    assert apis.parse_factors('1x2') == (1.0, 2.0)
    assert apis.parse_factors('1.5') == (1.5, 1.5)
    assert apis.scaled_sizes([(25, 33)], (0.01, 2)) == [(1, 66)]


def test_injection_keeps_the_coarse_scales(tiny):
    model, _, real = tiny
    recon, rmse = apis.reconstruct(model, real)
    assert rmse == pytest.approx(reconstruction_rmse(recon, real))
    top = model.num_scales
    from_top = apis.inject_at_scale(model, top, 4, _rng())
    from_zero = apis.inject_at_scale(model, 0, 4, _rng())
    # start scale 0 is plain sampling, drawn in the same order
    assert torch.equal(from_zero, apis.random_samples(model, 4, (1, 1),
                                                      _rng()))
    assert (from_top - recon).abs().mean() < (from_zero - recon).abs().mean()
    with pytest.raises(ValueError, match='out of range'):
        apis.inject_at_scale(model, top + 1)


@pytest.mark.parametrize('function', [apis.harmonize, apis.edit])
def test_masked_result_keeps_pixels_outside_mask(tiny, tmp_path, function):
    model, _, real = tiny
    _, paths = _write_inputs(str(tmp_path), real)
    size = model.sizes[-1]
    reference = apis.load_reference(paths['ref'], size)
    mask = apis.load_mask(paths['mask'], size)
    assert set(mask.unique().tolist()) == {0.0, 1.0}
    assert mask[0, 0, 10:20, 12:24].all() and mask.sum() == 10 * 12
    result, raw, soft = function(model, real, reference, mask, 1,
                                 generator=_rng())
    assert result.shape == real.shape == raw.shape
    outside = (soft == 0).expand_as(result)
    assert outside.any()
    assert torch.equal(result[outside], real.expand_as(result)[outside])
    inside = (soft == 1).expand_as(result)
    assert not torch.allclose(result[inside], real[inside])


def test_mask_of_wrong_shape_is_refused_or_fitted(tiny, tmp_path):
    model, _, real = tiny
    _, paths = _write_inputs(str(tmp_path), real)
    with pytest.raises(ValueError, match='--resize'):
        apis.load_mask(paths['wide_mask'], model.sizes[-1])
    for mode in ('stretch', 'crop'):
        mask = apis.load_mask(paths['wide_mask'], model.sizes[-1], mode)
        assert mask.shape[-2:] == model.sizes[-1]
    with pytest.raises(ValueError, match='does not exist'):
        apis.load_mask(str(tmp_path / 'missing.png'), model.sizes[-1])
    with pytest.raises(ValueError, match='out of range'):
        apis.harmonize(model, real, real, torch.ones(1, 1, *real.shape[-2:]),
                       0)


@pytest.mark.parametrize('k', [2, 5])
def test_quantized_paint_uses_at_most_k_colours(tiny, k):
    model, _, real = tiny
    painting = torch.rand(1, 3, *model.sizes[-1]) * 2 - 1
    result, injected = apis.paint_to_image(model, painting, 1, real, k,
                                           _rng())
    colours = injected[0].reshape(3, -1).t().unique(dim=0)
    assert 1 <= len(colours) <= k
    assert result.shape == painting.shape
    plain, unchanged = apis.paint_to_image(model, painting, 2)
    assert torch.equal(unchanged, painting) and plain.shape == result.shape


@pytest.mark.parametrize('factor', [4, 2.5])
def test_sr_output_is_factor_times_input(sr_run, factor):
    model = apis.load_model(_cfg(sr_run), sr_run.checkpoint)
    steps, ratio = apis.sr_steps(model, factor)
    assert ratio**steps == pytest.approx(factor)
    image = torch.rand(1, 3, 30, 20) * 2 - 1
    calls = []
    out = apis.super_resolve(model, image, factor, _rng(),
                             progress=lambda *a: calls.append(a))
    assert out.shape == (1, 3, round(30 * factor), round(20 * factor))
    assert len(calls) == steps
    assert apis.bicubic_upscale(image, factor).shape == out.shape
    with pytest.raises(ValueError, match='above 1'):
        apis.sr_steps(model, 1)


def test_animation_frames_differ_and_alpha_one_is_still(tiny, tmp_path):
    model, _, _ = tiny
    frames = apis.animate(model, 5, 1, alpha=0.1, beta=0.9, generator=_rng())
    assert frames.shape == (5, 3, *model.sizes[-1])
    assert all(not torch.equal(frames[i], frames[i + 1]) for i in range(4))
    still = apis.animate(model, 3, 1, alpha=1.0, generator=_rng())
    recon = model.reconstruct()
    assert torch.allclose(still, recon.expand_as(still), atol=1e-5)
    from PIL import Image
    gif = apis.write_gif([np.zeros((8, 8, 3), np.uint8) + 40 * i
                          for i in range(4)], str(tmp_path / 'a.gif'))
    assert Image.open(gif).n_frames == 4
    with pytest.raises(ValueError, match='at least 2 frames'):
        apis.animate(model, 1)


# ------------------------------------------------------------ command line
def _apps(run, command, *args, check=True):
    options = [o for o in run.options if o.startswith(
        ('train_dataloader', 'model.num_scales'))]
    return run_tool('apps.py', command, run.config, run.checkpoint, *args,
                    '--cfg-options', *options, check=check)


@pytest.mark.parametrize('command,args,outputs', [
    ('sample', ['--num', '2', '--factors', '1x2'], ['sample_01.png']),
    ('inject', ['--num', '2', '--start-scales', '0', '3'],
     ['inject_s3_01.png', 'inject_s0_01.png']),
    ('reconstruct', [], ['reconstruction.png']),
    ('harmonize', ['--input', '{ref}', '--mask', '{mask}', '--start-scale',
                   '2'], ['harmonized.png', 'harmonized_unmasked.png',
                          'mask_dilated.png']),
    ('edit', ['--input', '{ref}', '--mask', '{mask}'], ['edited.png']),
    ('paint2image', ['--input', '{ref}', '--quantize', '3'],
     ['paint2image.png', 'painting_quantized.png']),
    ('animate', ['--frames', '4', '--start-scale', '1'], ['animation.gif']),
])
def test_every_command_writes_its_pictures(tiny, tiny_run, tmp_path, command,
                                           args, outputs):
    _, _, real = tiny
    _, paths = _write_inputs(str(tmp_path), real)
    out = str(tmp_path / 'out')
    proc = _apps(tiny_run, command, *[a.format(**paths) for a in args],
                 '--out-dir', out)
    assert 'comparison.png' in proc.stdout
    for name in outputs + ['comparison.png']:
        assert osp.isfile(osp.join(out, name)), (name, proc.stdout)
    if command == 'sample':
        height, width = real.shape[-2:]
        assert read_image(osp.join(out, 'sample_01.png')).shape == (
            height, 2 * width, 3)
    if command == 'paint2image':
        quant = read_image(osp.join(out, 'painting_quantized.png'))
        assert len(np.unique(quant.reshape(-1, 3), axis=0)) <= 3


def test_sr_command(sr_run, tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (12, 10, 3), np.uint8)
    path = save_image(image, str(tmp_path / 'lr.png'))
    out = str(tmp_path / 'sr')
    proc = _apps(sr_run, 'sr', '--factor', '4', '--input', path,
                 '--out-dir', out)
    assert 'step' in proc.stdout
    assert cv2.imread(osp.join(out, 'sr.png')).shape == (48, 40, 3)
    assert cv2.imread(osp.join(out, 'bicubic.png')).shape == (48, 40, 3)


@pytest.mark.parametrize('args,message', [
    (['sample', '--factors', '0x1'], 'positive'),
    (['harmonize', '--input', 'missing.png', '--mask', 'missing.png'],
     'does not exist'),
    (['harmonize', '--input', '{ref}', '--mask', '{wide_mask}'], '--resize'),
    (['edit', '--input', '{ref}', '--mask', '{mask}', '--start-scale', '9'],
     'out of range'),
])
def test_bad_input_gives_one_line(tiny, tiny_run, tmp_path, args, message):
    _, _, real = tiny
    _, paths = _write_inputs(str(tmp_path), real)
    proc = _apps(tiny_run, *[a.format(**paths) for a in args], check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and message in lines[-1]
    assert 'Traceback' not in proc.stderr


def test_missing_checkpoint_gives_one_line(tiny_run):
    proc = run_tool('apps.py', 'reconstruct', tiny_run.config, 'nope.pth',
                    check=False)
    assert proc.returncode == 2
    assert "Checkpoint 'nope.pth' does not exist. Pass a .pth" in \
        proc.stderr.strip().splitlines()[-1]


def test_grey_mask_and_rgba_reference_load(tiny, tmp_path):
    model, _, real = tiny
    height, width = model.sizes[-1]
    grey = np.zeros((height, width), np.uint16)
    grey[5:15, 5:25] = 65535
    cv2.imwrite(str(tmp_path / 'grey.png'), grey)
    rgba = np.full((height * 2, width * 2, 4), 200, np.uint8)
    cv2.imwrite(str(tmp_path / 'rgba.png'), rgba)
    mask = apis.load_mask(str(tmp_path / 'grey.png'), (height, width))
    assert mask.sum() == 10 * 20
    reference = apis.load_reference(str(tmp_path / 'rgba.png'),
                                    (height, width))
    assert reference.shape == real.shape
    assert torch.allclose(reference, torch.full_like(reference,
                                                     200 / 255 * 2 - 1))
