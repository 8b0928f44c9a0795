"""Importing models trained with the authors' code (tamarott/SinGAN).

The authors' package cannot be imported here, so the tests write a tiny
model with stand-ins of their classes (``tests/authors_code.py``: the layout
and forward of their ``SinGAN/models.py``), saved as their ``train`` saves
it today: ``torch.save`` of the lists Gs, Zs (int64 zeros above scale 0, as
``torch.full(shape, 0)`` gives on torch >= 1.7), reals (their pyramid sizes,
rounded up) and NoiseAmp, in ``TrainedModels/<name>/scale_factor=.../``. The
imported model is compared with a re-implementation of their
``SinGAN_generate`` (``authors_code.reference_generate``).
"""
import json
import math
import os
import os.path as osp
import shlex
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from authors_code import (ConvBlock, WDiscriminator, authors_sizes,
                          install_authors_package, randomise,
                          reference_generate, reference_imresize,
                          write_authors_folder)
from conftest import ROOT, run_tool
from mmengine.config import Config

from singan.apis import SinGANInferencer, authors_config, load_model
from singan.config import image_num_scales
from singan.fileio import UnsafeFileError, load_pickle, read_image
from singan.interop import authors as authors_module
from singan.interop import AuthorsModelError, read_authors_folder
from singan.interop.authors import convert_authors_block
from singan.interop.authors_pyramid import authors_scale_factor
from singan.ops.authors_resize import authors_resize
from singan.resources import find_config
from singan.ops.cascade import authors_resize_setting, upsample

#: Their pyramid of a 60x80 photo with --max_size 48 --min_size 12: 6
#: scales, so scale 4 has width 64.
SIZES, SCALE_FACTOR = authors_sizes(60, 80, min_size=12, max_size=48)
#: The authors' ``(ker_size - 1) * num_layer / 2``.
PAD = 5
_randomise = randomise


@pytest.fixture
def authors_package(monkeypatch):
    """``SinGAN.models`` importable while the test saves, as theirs is."""
    return install_authors_package(monkeypatch)


def _train_like_authors(folder: str, legacy_gs: bool = False,
                        critics: bool = True, sizes=SIZES) -> dict:
    """Write Gs, Zs, reals, NoiseAmp (and <s>/) as their code does."""
    return write_authors_folder(folder, sizes, legacy_gs=legacy_gs,
                                critics=critics)


@torch.no_grad()
def _bicubic_cascade(trained: dict, noises=None) -> torch.Tensor:
    """Their ``draw_concat`` (noises None: ``'rec'``) with our resize.

    The networks of the cascade alone: the resize between scales is ours
    (bicubic, to the next size) on both sides.
    """
    pad = nn.ZeroPad2d(PAD)
    Gs, reals = trained['Gs'], trained['reals']
    G_z = torch.zeros_like(reals[0])
    for s, (G, amp) in enumerate(zip(Gs, trained['NoiseAmp'])):
        z = trained['Zs'][s] if noises is None else pad(
            noises[s].expand(1, 3, *SIZES[s]))
        G_z = pad(G_z[:, :, :SIZES[s][0], :SIZES[s][1]])
        G_z = G(amp * z + G_z, G_z)
        if s + 1 < len(Gs):
            G_z = upsample(G_z, SIZES[s + 1])
    return G_z


@pytest.fixture
def authors_folder(tmp_path, authors_package):
    """A tiny authors' model folder; the stand-ins are gone afterwards."""
    folder = str(tmp_path / 'TrainedModels' / 'tiny' /
                 'scale_factor=0.750000,alpha=10')
    trained = _train_like_authors(folder, legacy_gs=True)
    return folder, trained


def _import(folder: str, out: str, *extra: str) -> subprocess.CompletedProcess:
    """``tools/import_authors.py FOLDER --out-dir OUT``, trusted."""
    return run_tool('import_authors.py', folder, '--out-dir', out,
                    '--trust-pickled-code', *extra)


def _noises(seed: int = 1) -> list:
    """One noise per scale, 1 channel at the coarsest, 3 above."""
    torch.manual_seed(seed)
    return [torch.randn(1, 1 if s == 0 else 3, h, w)
            for s, (h, w) in enumerate(SIZES)]


def test_import_equals_authors_generation(authors_folder, tmp_path,
                                          monkeypatch):
    folder, trained = authors_folder
    assert trained['Zs'][1].dtype == torch.int64  # as their code writes
    monkeypatch.delitem(sys.modules, 'SinGAN')  # theirs is not importable
    monkeypatch.delitem(sys.modules, 'SinGAN.models')
    out = str(tmp_path / 'imported')
    proc = _import(folder, out)
    assert 'tools/test.py' in proc.stdout and 'tiny.pth' in proc.stdout
    assert 'SinGAN' not in sys.modules
    cfg = Config.fromfile(osp.join(out, 'tiny_config.py'))
    assert cfg.model.generator.align_corners == authors_resize_setting(
        SCALE_FACTOR)
    model = load_model(cfg, osp.join(out, 'tiny.pth'))
    assert model.sizes == SIZES and model.current_scale == len(SIZES) - 1
    assert image_num_scales(cfg.train_dataloader.dataset) == len(SIZES) - 1
    torch.manual_seed(1)
    blocks = model.scale_modules('generator')
    for s, (h, w) in enumerate(SIZES):
        x = torch.randn(1, 3, h + 2 * PAD, w + 2 * PAD)
        y = torch.randn(1, 3, h + 2 * PAD, w + 2 * PAD)
        with torch.no_grad():
            theirs = trained['Gs'][s](x, y)
            ours = blocks[s](x, y[:, :, PAD:-PAD, PAD:-PAD])
        assert torch.allclose(ours, theirs, atol=1e-5), s
    # whole images, their resize between scales on both sides
    recon = model.reconstruct()
    assert (recon - reference_generate(trained, SCALE_FACTOR)).abs().max() \
        < 1e-5
    noises = _noises()
    sample = model.generate(noises)
    theirs = reference_generate(trained, SCALE_FACTOR, noises)
    assert (sample - theirs).abs().max() < 1e-5
    # without it (ours, bicubic): the gap docs/authors_models.md reports
    cfg.model.generator.align_corners = False
    bicubic = load_model(cfg, osp.join(out, 'tiny.pth'))
    assert torch.allclose(bicubic.generate(noises),
                          _bicubic_cascade(trained, noises), atol=1e-5)
    assert (bicubic.generate(noises) - theirs).abs().max() > 1e-2
    # the pickle is the same state, data only
    state = load_pickle(osp.join(out, 'pickle', 'tiny.pkl'))
    assert state['curr_stage'] == len(SIZES) - 1
    assert state['fixed_noises'][0].shape == (1, 1, *SIZES[0])
    assert state['fixed_noises'][1].dtype == np.float32
    assert state['noise_weights'][1] == pytest.approx(0.07)
    # tools/test.py, metrics included, on the model's own pyramid
    metrics = str(tmp_path / 'metrics.json')
    run_tool('test.py', osp.join(out, 'tiny_config.py'),
             osp.join(out, 'tiny.pth'), '--out-dir', str(tmp_path / 's'),
             '--num-samples', '2', '--out', metrics)
    with open(metrics) as f:
        result = json.load(f)
    real = trained['reals'][-1].clamp(-1, 1)
    real = ((real + 1) * 127.5).round() / 127.5 - 1  # as in the PNG
    assert result['recon_rmse'] == pytest.approx(
        float((recon - real).pow(2).mean().sqrt()), rel=1e-4)
    assert math.isfinite(result['swd_avg'])


def test_bicubic_resize_on_request(authors_folder, tmp_path):
    folder, trained = authors_folder
    out = str(tmp_path / 'bicubic')
    proc = _import(folder, out, '--resize', 'bicubic')
    assert 'ours (bicubic)' in proc.stdout
    model = load_model(osp.join(out, 'tiny_config.py'),
                       osp.join(out, 'tiny.pth'))
    assert model.generator.align_corners is False
    noises = _noises(3)
    assert torch.allclose(model.generate(noises),
                          _bicubic_cascade(trained, noises), atol=1e-5)


def _printed_commands(stdout: str) -> list:
    """The commands the importer lists after ``Next``."""
    lines = stdout.split('Next')[1].splitlines()[1:]
    return [line.strip() for line in lines if line.startswith('  ')]


def test_printed_commands_run(authors_folder, tmp_path):
    folder, _ = authors_folder
    out = str(tmp_path / 'imported model')  # a space: paths are quoted
    proc = _import(folder, out)
    commands = _printed_commands(proc.stdout)
    assert len(commands) >= 6 and 'singan app --model' in proc.stdout
    env = dict(os.environ, OMP_NUM_THREADS='1')
    for command in commands:
        words = shlex.split(command)
        program = {'singan': [sys.executable, '-m', 'singan'],
                   'python': [sys.executable]}[words[0]]
        done = subprocess.run(program + words[1:], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=600)
        assert done.returncode == 0, (command, done.stderr[-2000:])
    shown = osp.join(out, 'apps', 'sample', 'comparison.png')
    assert osp.isfile(shown)
    assert osp.isfile(osp.join(out, 'apps', 'animate', 'animation.gif'))


def test_every_application_runs_through_the_inferencer(authors_folder,
                                                       tmp_path):
    folder, trained = authors_folder
    out = str(tmp_path / 'imported')
    _import(folder, out)
    inferencer = SinGANInferencer(osp.join(out, 'tiny.pth'), device='cpu',
                                  show_progress=False)
    height, width = SIZES[-1]
    photo = read_image(osp.join(out, 'tiny_real.png')).copy()
    mask = np.zeros((height, width), np.uint8)
    mask[10:20, 15:30] = 255
    photo[10:20, 15:30] = (230, 30, 30)
    shapes = {}
    for task, kwargs in [('sample', dict(num=2, factors='1x2')),
                         ('inject', dict(start_scale=2, num=1)),
                         ('reconstruct', {}),
                         ('harmonize', dict(inputs=photo, mask=mask)),
                         ('edit', dict(inputs=photo, mask=mask)),
                         ('paint', dict(inputs=photo, num_colors=3)),
                         ('super_resolve', dict(factor=2)),
                         ('animate', dict(num_frames=3, start_scale=1))]:
        result = inferencer(task=task, **kwargs)['predictions']
        shapes[task] = result[0].shape
    assert shapes['sample'] == (height, 2 * width, 3)
    assert shapes['super_resolve'] == (2 * height, 2 * width, 3)
    for task in ('inject', 'reconstruct', 'harmonize', 'edit', 'paint',
                 'animate'):
        assert shapes[task] == (height, width, 3), task
    recon = inferencer.reconstruct()['predictions'][0]
    theirs = reference_generate(trained, SCALE_FACTOR)[0].clamp(-1, 1)
    theirs = ((theirs + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    assert np.abs(recon.astype(int) - theirs.astype(int)).max() <= 1


def test_two_scale_model_keeps_its_pyramid(tmp_path, authors_package):
    # their pyramid of a 38x50 photo, --min_size 29 --max_size 48
    sizes, factor = authors_sizes(38, 50, min_size=29, max_size=48)
    assert sizes == [(29, 38), (37, 48)]
    folder = str(tmp_path / 'TrainedModels' / 'two' / 'scale_factor=0.75')
    trained = _train_like_authors(folder, sizes=sizes)
    out = str(tmp_path / 'out')
    _import(folder, out)
    model = load_model(osp.join(out, 'two_config.py'),
                       osp.join(out, 'two.pth'))
    assert model.sizes == sizes
    assert authors_scale_factor(sizes) == factor
    assert (model.reconstruct() - reference_generate(trained, factor)).abs(
        ).max() < 1e-5


def test_integer_noise_that_is_not_zero_is_refused(authors_folder):
    folder, trained = authors_folder
    Zs = list(trained['Zs'])
    Zs[2] = Zs[2].clone()
    Zs[2][0, 1, PAD + 1, PAD + 1] = 3
    torch.save(Zs, osp.join(folder, 'Zs.pth'))
    with pytest.raises(AuthorsModelError,
                       match=r'Zs.pth: the fixed noise of scale 2 is a '
                       r'torch.int64 tensor with non-zero values'):
        read_authors_folder(folder, trust_pickled_code=True)


def test_sizes_that_follow_no_factor_need_bicubic(tmp_path,
                                                  authors_package):
    sizes = [(13, 16), (15, 20), (21, 25), (24, 31)]  # 21: not ceil(...)
    assert authors_scale_factor(sizes) is None
    folder = str(tmp_path / 'TrainedModels' / 'odd' / 'scale_factor=0.75')
    _train_like_authors(folder, sizes=sizes)
    authors = read_authors_folder(folder, trust_pickled_code=True)
    base = Config.fromfile(find_config('_base_/singan'))
    with pytest.raises(AuthorsModelError, match='--resize bicubic'):
        authors_config(base, authors, 'odd_real.png')
    cfg = authors_config(base, authors, 'odd_real.png', 'bicubic')
    assert cfg.model.generator.align_corners is False
    assert cfg.train_dataloader.dataset.sizes == [list(s) for s in sizes]


def test_scale_factor_found_from_their_pyramids():
    for height, width, min_size, max_size in [
            (60, 80, 12, 48), (300, 441, 25, 100), (512, 384, 25, 250),
            (187, 250, 25, 250), (1000, 600, 19, 250), (90, 91, 25, 250)]:
        sizes, factor = authors_sizes(height, width, min_size, max_size)
        assert authors_scale_factor(sizes) == factor, (height, width)


def test_authors_resize_equals_their_imresize():
    torch.manual_seed(0)
    for (h, w), (H, W) in zip(SIZES, SIZES[1:]):
        x = (torch.randn(2, 3, h, w) * 0.8).clamp(-1.2, 1.2)
        ours = authors_resize(x, (H, W), SCALE_FACTOR)
        for i in range(2):
            theirs = reference_imresize(x[i:i + 1], 1 / SCALE_FACTOR)
            assert torch.equal(ours[i:i + 1], theirs[:, :, :H, :W])
    # a size 1/scale_factor does not reach: straight to it, as their
    # imresize_to_shape
    x = torch.rand(1, 3, 13, 16) * 2 - 1
    assert torch.equal(authors_resize(x, (20, 41), SCALE_FACTOR),
                       reference_imresize(x, shape=(20, 41)))
    assert authors_resize(x, (20, 41), SCALE_FACTOR).abs().max() <= 1


def test_upsample_default_is_bicubic_and_settings_are_checked():
    x = torch.randn(1, 3, 13, 16)
    for align in (False, True):
        assert torch.equal(upsample(x, (20, 25), align), F.interpolate(
            x, size=(20, 25), mode='bicubic', align_corners=align))
    for bad in (dict(mode='authors', scale_factor=1.5),
                dict(mode='matlab', scale_factor=0.75), dict(mode='authors')):
        with pytest.raises(ValueError, match=r'scale_factor=F\) with F in'):
            upsample(x, (20, 25), bad)


def test_negative_positions_wrap_in_numpy_here():
    """The fact behind their left edge: ``np.uint(-1.0)`` wraps on x86-64."""
    if os.uname().machine not in ('x86_64', 'AMD64'):
        pytest.skip('their models were made on x86-64 machines')
    assert int(np.array([-1.0]).astype(np.uint64)[0]) == 2**64 - 1


def test_critics_fold_bias_into_running_mean(authors_folder):
    folder, _ = authors_folder
    D = WDiscriminator(32, 32)
    D.load_state_dict(torch.load(osp.join(folder, '2', 'netD.pth')))
    D.eval()
    converted = read_authors_folder(folder, trust_pickled_code=True)
    from singan.models.blocks import SinGANDiscriminatorBlock
    ours = SinGANDiscriminatorBlock(3, 32, 32).eval()
    prefix = 'discriminator.blocks.2.'
    ours.load_state_dict({k[len(prefix):]: v for k, v in
                          converted.state_dict.items() if
                          k.startswith(prefix)})
    x = torch.randn(1, 3, 21, 28)
    with torch.no_grad():
        assert torch.allclose(ours(x), D.tail(D.body(D.head(x))), atol=1e-5)


def test_bias_folding_exact_in_train_mode():
    """conv+bias+BN == conv+BN(mean - bias), in training too."""
    from mmcv.cnn import ConvModule
    torch.manual_seed(0)
    theirs = ConvBlock(3, 8)
    _randomise(theirs)
    converted = convert_authors_block(
        {**{f'head.{k}': v for k, v in theirs.state_dict().items()},
         'tail.weight': torch.zeros(1, 8, 3, 3), 'tail.bias': torch.zeros(1)},
        'tail.', 'test')
    ours = ConvModule(3, 8, 3, norm_cfg=dict(type='BN'),
                      act_cfg=dict(type='LeakyReLU', negative_slope=0.2))
    ours.load_state_dict({k[len('head.'):]: v for k, v in converted.items()
                          if k.startswith('head.')})
    x = torch.randn(2, 3, 12, 12)
    for mode in (False, True, False):  # eval, a train step, eval again
        theirs.train(mode)
        ours.train(mode)
        with torch.no_grad():
            assert torch.allclose(ours(x), theirs(x), atol=1e-5), mode
    assert torch.allclose(ours.bn.running_mean,
                          theirs.norm.running_mean - theirs.conv.bias,
                          atol=1e-6)


def test_refused_without_trust_nothing_loaded(authors_folder, monkeypatch):
    folder, _ = authors_folder
    calls = []
    monkeypatch.setattr(authors_module, 'load_authors_file',
                        lambda *a: calls.append(a))
    with pytest.raises(AuthorsModelError, match='trust-pickled-code'):
        read_authors_folder(folder)
    assert calls == []


def test_cli_refusals_write_nothing(authors_folder, tmp_path):
    folder, _ = authors_folder
    out = str(tmp_path / 'out')
    proc = run_tool('import_authors.py', folder, '--out-dir', out,
                    check=False)
    assert proc.returncode == 2
    assert 'runs code' in proc.stderr and '--trust-pickled-code' in \
        proc.stderr
    os.remove(osp.join(folder, 'NoiseAmp.pth'))
    proc = run_tool('import_authors.py', folder, '--out-dir', out,
                    '--trust-pickled-code', check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert proc.stderr.count('\n') == 1
    assert 'NoiseAmp.pth' in proc.stderr and folder in proc.stderr
    assert not osp.exists(out)


def test_bad_contents_refused_with_path(authors_folder):
    folder, trained = authors_folder
    reals = [r.clone() for r in trained['reals']]
    reals[3][0, 0, 0, 0] = float('nan')
    torch.save(reals, osp.join(folder, 'reals.pth'))
    with pytest.raises(AuthorsModelError, match='reals.pth.*scale 3.*NaN'):
        read_authors_folder(folder, trust_pickled_code=True)
    torch.save(trained['reals'], osp.join(folder, 'reals.pth'))
    torch.save(trained['Zs'][:2], osp.join(folder, 'Zs.pth'))
    with pytest.raises(AuthorsModelError, match='disagree'):
        read_authors_folder(folder, trust_pickled_code=True)
    noisy = [z.clone() for z in trained['Zs']]
    noisy[0][0, 0, 0, 0] = 1.0  # noise in the padding: animation_train
    torch.save(noisy, osp.join(folder, 'Zs.pth'))
    with pytest.raises(AuthorsModelError, match='animation_train'):
        read_authors_folder(folder, trust_pickled_code=True)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('touch pwned',))


def test_foreign_classes_are_not_run(authors_folder, tmp_path, monkeypatch):
    folder, _ = authors_folder
    monkeypatch.chdir(tmp_path)
    torch.save([_RunsCode()], osp.join(folder, 'Gs.pth'))
    with pytest.raises(UnsafeFileError, match='system'):
        read_authors_folder(folder, trust_pickled_code=True)
    assert not osp.exists(tmp_path / 'pwned')


def test_other_kernel_settings_refused(authors_folder, authors_package):
    folder, trained = authors_folder
    G = trained['Gs'][1]
    G.body.block2.norm.eps = 1e-3
    torch.save(trained['Gs'], osp.join(folder, 'Gs.pth'))
    with pytest.raises(AuthorsModelError,
                       match=r'Gs.pth: scale 1: body.block2.norm .*eps'):
        read_authors_folder(folder, trust_pickled_code=True)
    G.body.block2.norm.eps = 1e-5
    trained['Gs'][2].tail[1] = nn.LeakyReLU(0.2)  # no tanh at the end
    torch.save(trained['Gs'], osp.join(folder, 'Gs.pth'))
    with pytest.raises(AuthorsModelError,
                       match=r"scale 2: the layers differ.*'tail.1'"):
        read_authors_folder(folder, trust_pickled_code=True)
