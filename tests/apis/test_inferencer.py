"""SinGANInferencer and paste_back on the session's tiny model."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import BALLOONS, MMAGIC_FIXTURE, ROOT, config_with_options
from mmengine.config import Config
from PIL import Image

from singan.apis import (CheckpointMismatchError, SinGANInferencer,
                         load_model, random_samples)
from singan.apis.manipulations import feather_mask
from singan.apis.paste_back import detail_ratio
from singan.cli import UserInputError
from singan.config import prepare_config
from singan.datasets import SinGANDataset
from singan.fileio import (load_checkpoint_file, read_image,
                           tensor_to_image)
from singan.fileio.config_text import ConfigTextError, parse_config_text
from singan.registry import MODELS


def _cfg(run) -> Config:
    """The tiny run's config with its ``--cfg-options`` applied."""
    return config_with_options(run.config, run.options)


@pytest.fixture(scope='module')
def inferencer(tiny_run):
    """Built from the tiny run's checkpoint alone."""
    return SinGANInferencer(tiny_run.checkpoint, device='cpu',
                            show_progress=False)


@pytest.fixture(scope='module')
def photo():
    """balloons.png at its own 248x186 resolution, with a pasted square."""
    image = read_image(BALLOONS).copy()
    mask = np.zeros(image.shape[:2], np.uint8)
    mask[60:100, 120:170] = 255
    image[60:100, 120:170] = (230, 30, 30)
    return image, mask


def test_from_checkpoint_alone_equals_load_model_with_config(
        inferencer, tiny_run):
    model = load_model(_cfg(tiny_run), tiny_run.checkpoint)
    expected = random_samples(model, 3, generator=torch.Generator()
                              .manual_seed(7))
    got = inferencer.sample(num=3, seed=7)['predictions']
    assert len(got) == 3
    for image, sample in zip(got, expected):
        assert np.array_equal(image, tensor_to_image(sample))
    with_config = SinGANInferencer(tiny_run.checkpoint, _cfg(tiny_run),
                                   device='cpu')
    again = with_config(task='sample', num=3, seed=7)['predictions']
    assert all(np.array_equal(a, b) for a, b in zip(again, got))
    assert inferencer.cfg.model.num_scales == 3  # the run's, from the meta


def test_config_by_name_is_found_and_checked(tiny_run):
    # the shipped singan_balloons has num_scales=8; the tiny run has 3
    with pytest.raises(CheckpointMismatchError, match='num_scales=8'):
        SinGANInferencer(tiny_run.checkpoint, 'singan_balloons')


@pytest.mark.parametrize('task, kwargs, shapes', [
    ('sample', dict(num=2, factors='1x2'), [(36, 96, 3)] * 2),
    ('sample', dict(size=(30, 60)), [(30, 60, 3)]),
    ('inject', dict(start_scale=2, num=2), [(36, 48, 3)] * 2),
    ('reconstruct', {}, [(36, 48, 3)]),
    ('super_resolve', dict(factor=2), [(72, 96, 3)]),
    ('animate', dict(num_frames=3, start_scale=1), [(36, 48, 3)] * 3),
])
def test_applications_from_noise_return_their_shapes(inferencer, task,
                                                     kwargs, shapes):
    out = inferencer(task=task, return_vis=True, **kwargs)
    assert [p.shape for p in out['predictions']] == shapes
    assert all(p.dtype == np.uint8 for p in out['predictions'])
    vis = out['visualization']
    assert len(vis) == 1 and vis[0].dtype == np.uint8 and vis[0].ndim == 3
    if task == 'reconstruct':
        assert 0 < out['info']['rmse'] < 1


@pytest.mark.parametrize('task', ['harmonize', 'edit', 'paint'])
def test_injection_apps_return_the_full_resolution(inferencer, photo, task):
    image, mask = photo
    out = inferencer(image, task=task, mask=mask, start_scale=1,
                     return_vis=True)
    result = out['predictions'][0]
    assert result.shape == image.shape == (186, 248, 3)
    assert not np.array_equal(result[60:100, 120:170],
                              image[60:100, 120:170])
    assert out['info']['start_scale'] == 1


def test_paint_without_mask_is_the_painting_size(inferencer, photo):
    out = inferencer.paint(photo[0], num_colors=3)
    assert out['predictions'][0].shape == (186, 248, 3)


def test_harmonize_keeps_pixels_outside_the_mask_bit_exact(inferencer,
                                                            photo):
    image, mask = photo
    result = inferencer.harmonize(image, mask)['predictions'][0]
    # the default feather: radius 7 + 2 * sigma 5 of a 250 px image
    feather = 17 * max(image.shape[:2]) / 250
    soft = feather_mask(torch.from_numpy(mask / 255.0)[None, None],
                        feather)[0, 0].numpy()
    outside = soft == 0
    assert outside.mean() > 0.5
    assert np.array_equal(result[outside], image[outside])
    assert (result[~outside] != image[~outside]).any()


def test_full_size_edits_keep_the_photo_detail_and_the_feather(
        inferencer, photo):
    image, mask = photo
    for task in ('harmonize', 'edit'):
        result = inferencer(image, task=task, mask=mask, start_scale=1,
                            feather=6)['predictions'][0]
        distance = cv2.distanceTransform((mask == 0).astype(np.uint8),
                                         cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        changed = (result != image).any(axis=-1)
        assert int(changed[distance > 6].sum()) == 0
        assert changed[mask > 0].any()
        ratio = detail_ratio(result, image, mask / 255.0,
                             inferencer.model.sizes[-1])
        assert ratio > 0.7, (task, ratio)
    with pytest.raises(ValueError, match='feather=-2'):
        inferencer.harmonize(image, mask, feather=-2)


def test_mask_of_another_size(inferencer, photo):
    image, mask = photo
    half = mask[::2, ::2]  # same picture, half the size: resized
    out = inferencer.harmonize(image, half)['predictions'][0]
    assert out.shape == image.shape
    with pytest.raises(ValueError, match=r'50x40 \(WxH\).*248x186'):
        inferencer.harmonize(image, np.full((40, 50), 255, np.uint8))


def test_input_of_another_aspect_ratio_is_refused(inferencer, photo):
    image, mask = photo
    with pytest.raises(ValueError, match="resize='stretch'"):
        inferencer.edit(image[:, 100:], mask[:, 100:])
    out = inferencer.edit(image[:, 100:], mask[:, 100:], resize='stretch')
    assert out['predictions'][0].shape == (186, 148, 3)
    with pytest.raises(ValueError, match="resize='crop'"):
        inferencer.edit(image, mask, resize='crop')


def test_pred_out_dir_writes_the_files(inferencer, photo, tmp_path):
    folder = str(tmp_path / 'out')
    out = inferencer.sample(num=2, pred_out_dir=folder)
    assert [osp.basename(p) for p in out['paths']] == [
        'sample_00.png', 'sample_01.png']
    assert np.array_equal(read_image(out['paths'][1]), out['predictions'][1])
    out = inferencer.inject(start_scale=1, pred_out_dir=folder)
    assert [osp.basename(p) for p in out['paths']] == ['inject_s1_00.png']
    out = inferencer(photo[0], task='harmonize', mask=photo[1],
                     pred_out_dir=folder)
    assert np.array_equal(read_image(osp.join(folder, 'harmonized.png')),
                          out['predictions'][0])
    out = inferencer(task='animate', num_frames=4, pred_out_dir=folder)
    with Image.open(osp.join(folder, 'animation.gif')) as gif:
        assert gif.n_frames == 4 and gif.size == (48, 36)


def test_call_refuses_unknown_tasks_and_arguments(inferencer, photo):
    with pytest.raises(ValueError, match="task='paint2image'.*'paint'"):
        inferencer(task='paint2image')
    with pytest.raises(ValueError, match='mask.*Its arguments: num'):
        inferencer(task='sample', mask=photo[1])
    with pytest.raises(ValueError, match='takes no inputs'):
        inferencer(photo[0], task='sample')


def test_checkpoint_without_config_asks_for_it(tiny_run, tmp_path):
    ckpt = load_checkpoint_file(tiny_run.checkpoint)
    bare = str(tmp_path / 'bare.pth')
    torch.save(dict(state_dict=ckpt['state_dict'],
                    singan_state=ckpt['singan_state']), bare)
    with pytest.raises(UserInputError, match='carries no config.*Pass the '
                       'config it was trained with'):
        SinGANInferencer(bare)
    out = SinGANInferencer(bare, _cfg(tiny_run)).reconstruct()
    assert out['predictions'][0].shape == (36, 48, 3)


def test_stored_config_is_read_not_run(tiny_run, tmp_path):
    ckpt = load_checkpoint_file(tiny_run.checkpoint)
    text = ckpt['meta']['cfg']
    assert parse_config_text(text, 'x') == Config.fromstring(
        text, '.py').to_dict()
    ckpt['meta']['cfg'] = text + "\nimport os\nos.system('touch PWNED')\n"
    ckpt['message_hub']['runtime_info']['cfg'] = ckpt['meta']['cfg']
    evil = str(tmp_path / 'evil.pth')
    torch.save(ckpt, evil)
    with pytest.raises(ConfigTextError, match='never run'):
        SinGANInferencer(evil)
    assert not osp.exists(osp.join(ROOT, 'PWNED'))


def test_mmagic_checkpoint_through_the_inferencer():
    ckpt = osp.join(MMAGIC_FIXTURE, 'mmagic_singan.pth')
    pkl = osp.join(MMAGIC_FIXTURE, 'mmagic_singan.pkl')
    inferencer = SinGANInferencer(ckpt, pkl=pkl, device='cpu')
    out = inferencer.reconstruct()
    expected = np.load(osp.join(MMAGIC_FIXTURE, 'recon_output.npy'))
    rgb = torch.from_numpy(expected[:, ::-1].copy())[0]  # BGR -> RGB
    assert np.abs(out['predictions'][0].astype(int) -
                  tensor_to_image(rgb).astype(int)).max() <= 1
    assert out['info']['rmse'] is None  # its training image is not here
    samples = inferencer.sample(num=2, factors=(1, 1.5))['predictions']
    assert [s.shape for s in samples] == [(48, 96, 3)] * 2
    with pytest.raises(FileNotFoundError, match='training_image=PATH'):
        inferencer.super_resolve()
    moved = SinGANInferencer(ckpt, pkl=pkl, device='cpu', training_image=osp
                             .join(MMAGIC_FIXTURE, 'train_image.png'))
    assert 0 < moved.reconstruct()['info']['rmse'] < 0.5


@pytest.fixture(scope='module')
def consingan_checkpoint(tmp_path_factory) -> str:
    """An untrained 3-stage ConSinGAN, saved as training saves it.

    Its stages are started (fixed noise, amplitudes) but not trained: the
    inferencer's behaviour, not the pictures, is under test, and training
    through tools/train.py would take ~25 s.
    """
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'singan',
                                   'consingan_balloons.py'))
    cfg.merge_from_dict({
        'model.num_scales': None, 'train_dataloader.dataset.num_stages': 3,
        'train_dataloader.dataset.max_size': 40,
        'train_dataloader.dataset.min_size': 20,
        'train_dataloader.dataset.data_root': BALLOONS})
    prepare_config(cfg)
    model = MODELS.build(cfg.model)
    dataset = dict(cfg.train_dataloader.dataset)
    dataset.pop('type')
    reals = SinGANDataset(**dataset).pyramid()
    torch.manual_seed(0)
    for scale in range(cfg.model.num_scales + 1):
        model.start_scale(scale, reals)
    path = str(tmp_path_factory.mktemp('consingan') / 'iter_6.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    singan_state=model.export_inference_state(),
                    meta=dict(cfg=cfg.pretty_text)), path)
    return path


def test_consingan_samples_and_animates_but_refuses_injection(
        consingan_checkpoint):
    inferencer = SinGANInferencer(consingan_checkpoint, device='cpu')
    assert type(inferencer.model).__name__ == 'ConSinGAN'
    size = inferencer.model.sizes[-1]
    out = inferencer.sample(num=2, factors='1x2')
    assert out['predictions'][0].shape == (size[0], 2 * size[1], 3)
    frames = inferencer.animate(num_frames=3, start_scale=1)['predictions']
    assert len(frames) == 3
    image = np.zeros((*size, 3), np.uint8)
    with pytest.raises(ValueError, match='ConSinGAN passes features'):
        inferencer.harmonize(image, np.full(size, 255, np.uint8))
