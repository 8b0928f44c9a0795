"""paste_back: the photo's detail inside, nothing changed beyond feather."""
import numpy as np
import pytest
import torch
from conftest import BALLOONS
from singan.apis.manipulations import feather_mask
from singan.apis.paste_back import (detail_ratio, full_size_feather,
                                    paste_back)
from singan.fileio import read_image

MODEL_SIZE = (10, 12)  # (h, w) of the "model": a quarter of the photo's


def _distance_to(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance of every pixel to the nearest mask pixel (brute
    force, independent of OpenCV's distance transform)."""
    ys, xs = np.nonzero(mask)
    grid_y, grid_x = np.indices(mask.shape)
    d2 = (grid_y[..., None] - ys) ** 2 + (grid_x[..., None] - xs) ** 2
    return np.sqrt(d2.min(axis=-1))


@pytest.fixture(scope='module')
def photo():
    """A 48x40 crop of balloons.png (the town: fine detail), a mask, and a
    "model output": the photo at the model's size with the masked region
    recoloured, as a harmonization would."""
    image = read_image(BALLOONS)[140:180, 80:128].copy()  # (40, 48, 3)
    mask = np.zeros(image.shape[:2], np.float32)
    mask[12:28, 16:32] = 1
    small = torch.nn.functional.interpolate(
        torch.from_numpy(image / 127.5 - 1).float().permute(2, 0, 1)[None],
        MODEL_SIZE, mode='area')
    small[:, 0, 3:7, 4:8] += 0.5  # the model's change: redder in the mask
    return image, mask, small.clamp(-1, 1)


@pytest.mark.parametrize('feather', [0, 3, 7.5])
def test_nothing_changes_beyond_the_feather(photo, feather):
    image, mask, output = photo
    out = paste_back(image, output, mask, feather)
    distance = _distance_to(mask > 0.5)
    beyond = distance > feather
    changed = (out != image).any(axis=-1)
    assert beyond.sum() > 1000
    assert int(changed[beyond].sum()) == 0  # exactly, in uint8
    assert changed[mask > 0.5].mean() > 0.5  # and the mask did change


def test_the_feather_fades_from_the_mask(photo):
    _, mask, _ = photo
    soft = feather_mask(torch.from_numpy(mask)[None, None], 6)[0, 0].numpy()
    distance = _distance_to(mask > 0.5)
    assert np.all(soft[mask > 0.5] == 1)
    assert np.all(soft[distance >= 6] == 0)
    band = (distance > 0) & (distance < 6)
    assert np.all((soft[band] > 0) & (soft[band] < 1))
    # nearer the mask, more of the result
    assert soft[20, 33] > soft[20, 35] > soft[20, 37]


def test_the_photo_keeps_its_detail_inside_the_mask(photo):
    image, mask, output = photo
    sharp = paste_back(image, output, mask, 4)
    smear = paste_back(image, output, mask, 4, detail='none')
    # the upsampled model output alone has lost the fine detail ...
    assert detail_ratio(smear, image, mask, MODEL_SIZE) < 0.3
    # ... the default keeps the photo's
    assert detail_ratio(sharp, image, mask, MODEL_SIZE) > 0.8
    # and still takes the model's colours: redder inside the mask
    inside = mask > 0.5
    red = sharp[..., 0].astype(float) - image[..., 0]
    assert red[inside].mean() > 20


def test_where_the_model_kept_its_input_the_photo_comes_back(photo):
    image, mask, _ = photo
    kept = torch.nn.functional.interpolate(  # the photo at the model's size
        torch.from_numpy(image / 127.5 - 1).float().permute(2, 0, 1)[None],
        MODEL_SIZE, mode='area')
    out = paste_back(image, kept, mask, 5)
    assert np.abs(out.astype(int) - image).max() <= 1
    # while the smear would not
    smear = paste_back(image, kept, mask, 5, detail='none')
    assert np.abs(smear.astype(int) - image).max() > 20


def test_default_feather_is_the_authors_region_at_the_photo_size():
    assert full_size_feather(None, 7, 5, (1000, 1253)) == pytest.approx(
        17 * 1253 / 250)
    assert full_size_feather(12, 7, 5, (1000, 1253)) == 12
    for bad in (-1, float('nan'), 'wide'):
        with pytest.raises(ValueError, match='feather'):
            full_size_feather(bad, 7, 5, (10, 10))


def test_model_size_blend_with_feather_and_the_cli(tiny_run):
    from conftest import config_with_options, run_tool
    from singan.apis import harmonize, load_model
    from singan.apis.inputs import training_pyramid
    cfg = config_with_options(tiny_run.config, tiny_run.options)
    model = load_model(cfg, tiny_run.checkpoint)
    real = training_pyramid(cfg, model.sizes)[-1]
    mask = torch.zeros(1, 1, *model.sizes[-1])
    mask[..., 10:20, 15:30] = 1
    naive = real.clone()
    naive[..., 10:20, 15:30] = 1.0  # a white patch pasted
    result, _, soft = harmonize(model, real, naive, mask, 1, feather=3,
                                generator=torch.Generator().manual_seed(0))
    beyond = torch.from_numpy(_distance_to(mask[0, 0].numpy() > 0.5) >= 3)
    assert torch.equal(result[0][:, beyond], real[0][:, beyond])
    assert not torch.equal(result, real) and soft.max() == 1
    proc = run_tool('apps.py', 'harmonize', tiny_run.config,
                    tiny_run.checkpoint, '--input', BALLOONS, '--mask',
                    BALLOONS, '--feather', '-1', '--cfg-options',
                    *tiny_run.options, check=False)
    assert proc.returncode == 2
    assert 'error: feather=-1.0 must be a number of pixels >= 0' in \
        proc.stderr + proc.stdout
