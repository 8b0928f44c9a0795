"""mmagic checkpoints, pickles and configs: load, convert, export, train."""
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import MMAGIC_FIXTURE, ROOT, run_tool
from mmengine.config import Config

from singan.apis import CheckpointMismatchError, load_model
from singan.fileio import (load_checkpoint_file, load_pickle, read_image,
                           tensor_to_image)
from singan.interop import (checkpoint_format, swap_noise_channels,
                            swap_red_blue)
from singan.models.discriminator import SinGANMultiScaleDiscriminator
from singan.models.generator import SinGANMultiScaleGenerator

FIXTURE = MMAGIC_FIXTURE
CKPT = osp.join(FIXTURE, 'mmagic_singan.pth')
PKL = osp.join(FIXTURE, 'mmagic_singan.pkl')
COMPAT = osp.join(ROOT, 'configs', 'singan', 'mmagic_compat', 'singan',
                  'singan_balloons.py')


def _bgr(x):
    """RGB <-> BGR of an (N, 3, H, W) array or tensor."""
    return x[:, ::-1] if isinstance(x, np.ndarray) else x.flip(1)


def _compat_cfg(num_scales=4) -> Config:
    cfg = Config.fromfile(COMPAT)
    cfg.model.num_scales = num_scales
    return cfg


@pytest.fixture(scope='module')
def mmagic_model():
    return load_model(_compat_cfg(), CKPT, PKL)


def test_fixture_is_detected_as_mmagic():
    assert checkpoint_format(load_checkpoint_file(CKPT)) == 'mmagic'


def test_mmagic_reconstruction_reproduced(mmagic_model):
    assert mmagic_model.generator.align_corners is True
    recon = mmagic_model.reconstruct().numpy()  # RGB
    expected = np.load(osp.join(FIXTURE, 'recon_output.npy'))  # BGR
    assert np.abs(_bgr(recon) - expected).max() < 1e-5


def test_mmagic_given_noises_reproduced(mmagic_model):
    given = np.load(osp.join(FIXTURE, 'given_noises.npz'))
    noises = [given[f'arr_{i}'] for i in range(len(given.files))]
    # the converted model sees RGB: reverse the 3-channel noises too
    rgb = swap_noise_channels(dict(fixed_noises=noises))['fixed_noises']
    with torch.no_grad():
        out = mmagic_model.generator(
            [torch.from_numpy(n) for n in rgb], mmagic_model.noise_weights,
            rand_mode='recon').numpy()
    expected = np.load(osp.join(FIXTURE, 'given_noises_output.npy'))
    assert np.abs(_bgr(out) - expected).max() < 1e-5


def test_without_conversion_colours_are_swapped(mmagic_model):
    """Loading the BGR weights as ours gives the BGR image: the flag matters."""
    raw = load_model(_compat_cfg(), CKPT, PKL, checkpoint_format='singan')
    converted = mmagic_model.reconstruct()
    assert not torch.allclose(raw.reconstruct(), converted, atol=1e-3)


def test_swap_red_blue_is_exact_for_critic_and_its_own_inverse():
    torch.manual_seed(0)
    gen = SinGANMultiScaleGenerator(3, 3, 1).eval()
    disc = SinGANMultiScaleDiscriminator(3, 1).eval()
    state = {f'generator.{k}': v for k, v in gen.state_dict().items()}
    state.update(
        {f'discriminator.{k}': v for k, v in disc.state_dict().items()})
    swapped = swap_red_blue(state)
    back = swap_red_blue(swapped)
    assert all(torch.equal(back[k], state[k]) for k in state)
    disc2 = SinGANMultiScaleDiscriminator(3, 1).eval()
    disc2.load_state_dict({k[len('discriminator.'):]: v
                           for k, v in swapped.items()
                           if k.startswith('discriminator.')})
    x = torch.randn(2, 3, 24, 24)
    with torch.no_grad():
        assert torch.allclose(disc.blocks[1](x), disc2.blocks[1](_bgr(x)),
                              atol=1e-6)


def test_unmarked_checkpoint_needs_the_flag(tmp_path):
    state = load_checkpoint_file(CKPT)['state_dict']
    bare = str(tmp_path / 'bare.pth')
    torch.save(dict(state), bare)
    with pytest.raises(CheckpointMismatchError, match='checkpoint_format'):
        load_model(_compat_cfg(), bare, PKL)
    cfg = _compat_cfg()
    cfg.checkpoint_format = 'mmagic'
    model = load_model(cfg, bare, PKL)
    expected = np.load(osp.join(FIXTURE, 'recon_output.npy'))
    assert np.abs(_bgr(model.reconstruct().numpy()) - expected).max() < 1e-5


def test_tools_test_samples_from_mmagic_files(tmp_path, mmagic_model):
    out = str(tmp_path / 'samples')
    run_tool('test.py', COMPAT, CKPT, '--out-dir', out, '--num-samples', '2',
             '--device', 'cpu', '--cfg-options', 'model.num_scales=4',
             f'model.test_pkl_data={PKL}')
    recon = read_image(osp.join(out, 'reconstruction.png')).astype(int)
    expected = tensor_to_image(mmagic_model.reconstruct()[0]).astype(int)
    assert np.abs(recon - expected).max() <= 1
    assert osp.isfile(osp.join(out, 'sample_01.png'))


def test_export_round_trip(tmp_path, tiny_run):
    out = str(tmp_path / 'export' / 'singan_mmagic.pth')
    run_tool('export_mmagic.py', tiny_run.config, tiny_run.checkpoint, out,
             '--cfg-options', *tiny_run.options)
    # plain data: mmagic (and torch's weights_only loader) can read it
    exported = torch.load(out, weights_only=True)
    assert 'singan_state' not in exported
    assert checkpoint_format(exported) == 'mmagic'
    ours = load_checkpoint_file(tiny_run.checkpoint)['state_dict']
    head = 'generator.blocks.0.head.conv.weight'
    tail = 'generator.blocks.0.tail.conv.bias'
    assert torch.equal(exported['state_dict'][head], ours[head].flip(1))
    assert torch.equal(exported['state_dict'][tail], ours[tail].flip(0))
    pkl = str(tmp_path / 'export' / 'pickle' / 'singan_mmagic.pkl')
    assert sorted(load_pickle(pkl)) == [
        'curr_stage', 'fixed_noises', 'noise_weights'
    ]
    cfg = Config.fromfile(tiny_run.config)
    cfg.model.num_scales = load_checkpoint_file(
        tiny_run.checkpoint)['singan_state']['curr_stage']
    original = load_model(cfg, tiny_run.checkpoint, tiny_run.pickle)
    back = load_model(cfg, out, pkl)
    assert back.generator.align_corners == original.generator.align_corners
    for key, value in original.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    assert torch.equal(back.reconstruct(), original.reconstruct())
    rng = [torch.Generator().manual_seed(3) for _ in range(2)]
    assert torch.equal(back.sample(2, generator=rng[0]),
                       original.sample(2, generator=rng[1]))


@pytest.mark.trains
def test_mmagic_config_trains_here(tmp_path):
    """mmagic's balloons config (only default_scope changed), tiny schedule."""
    work_dir = str(tmp_path / 'compat')
    # mmagic counts critic steps: max_iters = (2 + 1) x 3 x 3
    run_tool('train.py', COMPAT, '--work-dir', work_dir, '--cfg-options',
             'model.num_scales=2', 'model.generator.num_scales=2',
             'model.discriminator.num_scales=2', 'model.iters_per_scale=3',
             'train_cfg.max_iters=27', 'train_dataloader.dataset.max_size=40',
             'train_dataloader.dataset.min_size=20',
             'default_hooks.logger.interval=3')
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    assert osp.basename(checkpoint) == 'iter_9.pth'
    model = load_model(_compat_cfg(2), checkpoint)
    assert model.current_scale == 2
    assert osp.isfile(osp.join(work_dir, 'pickle', 'iter_9.pkl'))
    assert model.sample(1).shape[1] == 3
