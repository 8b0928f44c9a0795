"""Importing models trained with the authors' code (tamarott/SinGAN).

The authors' package cannot be imported here, so the tests write a tiny
model with stand-ins of their classes, to the layout and forward of their
``SinGAN/models.py`` (conv with bias + BatchNorm + LeakyReLU(0.2) blocks, a
conv + tanh tail, ``x + y`` cropped) and their reconstruction loop
(``draw_concat(..., 'rec')`` of ``training.py``), and save it as their
``train`` does: ``torch.save`` of the lists Gs, Zs, reals and NoiseAmp.
"""
import json
import math
import os
import os.path as osp
import sys
import types
import warnings

import pytest
import torch
import torch.nn as nn

from conftest import run_tool
from mmengine.config import Config

from singan.apis import load_model
from singan.config import image_num_scales
from singan.fileio import UnsafeFileError, load_pickle
from singan.interop import authors as authors_module
from singan.interop import AuthorsModelError, read_authors_folder
from singan.interop.authors import convert_authors_block
from singan.ops.cascade import upsample

#: Scale sizes (H, W) of the tiny model: 5 scales, so scale 4 has width 64.
SIZES = [(12, 16), (16, 21), (21, 28), (28, 37), (37, 49)]
#: The authors' ``(ker_size - 1) * num_layer / 2``.
PAD = 5


class ConvBlock(nn.Sequential):
    """The authors' ConvBlock: conv (with bias), BatchNorm, LeakyReLU."""

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.add_module('conv', nn.Conv2d(in_channel, out_channel, 3, 1, 0))
        self.add_module('norm', nn.BatchNorm2d(out_channel))
        self.add_module('LeakyRelu', nn.LeakyReLU(0.2, inplace=True))


class _Torch14Backend:
    """What torch 1.4 pickled as a module's ``_backend``."""

    def __reduce__(self):
        import torch.nn.backends.thnn as thnn
        return (thnn._get_thnn_function_backend, ())


class GeneratorConcatSkip2CleanAdd(nn.Module):
    """The authors' generator of one scale, its forward as theirs."""

    def __init__(self, nfc: int, min_nfc: int, num_layer: int = 5) -> None:
        super().__init__()
        self.is_cuda = False
        self._backend = _Torch14Backend()
        self.head = ConvBlock(3, nfc)
        self.body = nn.Sequential()
        for i in range(num_layer - 2):
            N = int(nfc / pow(2, (i + 1)))
            self.body.add_module(
                'block%d' % (i + 1),
                ConvBlock(max(2 * N, min_nfc), max(N, min_nfc)))
        self.tail = nn.Sequential(nn.Conv2d(max(N, min_nfc), 3, 3, 1, 0),
                                  nn.Tanh())

    def forward(self, x, y):
        x = self.tail(self.body(self.head(x)))
        ind = int((y.shape[2] - x.shape[2]) / 2)
        y = y[:, :, ind:(y.shape[2] - ind), ind:(y.shape[3] - ind)]
        return x + y


class WDiscriminator(nn.Module):
    """The authors' critic (its state dict goes to ``<s>/netD.pth``)."""

    def __init__(self, nfc: int, min_nfc: int) -> None:
        super().__init__()
        self.head = ConvBlock(3, nfc)
        self.body = nn.Sequential()
        for i in range(3):
            N = int(nfc / pow(2, (i + 1)))
            self.body.add_module(
                'block%d' % (i + 1),
                ConvBlock(max(2 * N, min_nfc), max(N, min_nfc)))
        self.tail = nn.Conv2d(max(N, min_nfc), 1, 3, 1, 0)


def _randomise(module: nn.Module) -> None:
    """Non-trivial weights, conv biases and BatchNorm statistics."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Conv2d):
                layer.weight.normal_(0, 0.05)
                layer.bias.normal_(0, 0.3)
            elif isinstance(layer, nn.BatchNorm2d):
                layer.weight.normal_(1, 0.1)
                layer.bias.normal_(0, 0.1)
                layer.running_mean.normal_(0, 0.5)
                layer.running_var.uniform_(0.5, 2.0)
                layer.num_batches_tracked.fill_(2000)
    module.eval()


@pytest.fixture
def authors_package(monkeypatch):
    """``SinGAN.models`` importable while the test saves, as theirs is."""
    package = types.ModuleType('SinGAN')
    models = types.ModuleType('SinGAN.models')
    for cls in (ConvBlock, GeneratorConcatSkip2CleanAdd, WDiscriminator):
        cls.__module__ = 'SinGAN.models'
        setattr(models, cls.__name__, cls)
    package.models = models
    monkeypatch.setitem(sys.modules, 'SinGAN', package)
    monkeypatch.setitem(sys.modules, 'SinGAN.models', models)
    return models


def _train_like_authors(folder: str, legacy_gs: bool = False,
                        critics: bool = True) -> dict:
    """Write Gs, Zs, reals, NoiseAmp (and <s>/netD.pth) as theirs does."""
    torch.manual_seed(0)
    Gs, Zs, reals, amps = [], [], [], []
    pad = nn.ZeroPad2d(PAD)
    for s, (h, w) in enumerate(SIZES):
        width = min(32 * 2**(s // 4), 128)
        G = GeneratorConcatSkip2CleanAdd(width, width)
        _randomise(G)
        Gs.append(G)
        if s == 0:  # one noise channel expanded to 3, then padded
            Zs.append(pad(torch.randn(1, 1, h, w).expand(1, 3, h, w)))
        else:
            Zs.append(pad(torch.zeros(1, 3, h, w)))
        reals.append(torch.rand(1, 3, h, w) * 2 - 1)
        amps.append(1 if s == 0 else torch.tensor(0.05 + 0.02 * s))
        if critics:
            D = WDiscriminator(width, width)
            _randomise(D)
            os.makedirs(osp.join(folder, str(s)), exist_ok=True)
            torch.save(D.state_dict(), osp.join(folder, str(s), 'netD.pth'))
    os.makedirs(folder, exist_ok=True)
    with warnings.catch_warnings():  # legacy format: no source of ours
        warnings.simplefilter('ignore')
        torch.save(Gs, osp.join(folder, 'Gs.pth'),
                   _use_new_zipfile_serialization=not legacy_gs)
    torch.save(Zs, osp.join(folder, 'Zs.pth'))
    torch.save(reals, osp.join(folder, 'reals.pth'))
    torch.save(amps, osp.join(folder, 'NoiseAmp.pth'))
    return dict(Gs=Gs, Zs=Zs, reals=reals, NoiseAmp=amps)


@torch.no_grad()
def _authors_cascade(trained: dict, noises=None) -> torch.Tensor:
    """Their ``draw_concat`` (noises None: ``'rec'``) with our resizing.

    Between scales they resize with their ``imresize`` by 1/scale_factor
    and crop; ours resizes bicubically to the next size, used here so the
    comparison is of the networks and the cascade, not of the resizers.
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


def test_import_equals_authors_networks(authors_folder, tmp_path,
                                        monkeypatch):
    folder, trained = authors_folder
    monkeypatch.delitem(sys.modules, 'SinGAN')  # theirs is not importable
    monkeypatch.delitem(sys.modules, 'SinGAN.models')
    out = str(tmp_path / 'imported')
    proc = run_tool('import_authors.py', folder, '--out-dir', out,
                    '--trust-pickled-code')
    assert 'tools/test.py' in proc.stdout and 'tiny.pth' in proc.stdout
    assert 'SinGAN' not in sys.modules
    model = load_model(osp.join(out, 'tiny_config.py'),
                       osp.join(out, 'tiny.pth'))
    assert model.sizes == SIZES and model.current_scale == len(SIZES) - 1
    dataset = Config.fromfile(osp.join(out, 'tiny_config.py')).\
        train_dataloader.dataset  # the image gives the model's scale count
    assert image_num_scales(dataset) == len(SIZES) - 1
    torch.manual_seed(1)
    blocks = model.scale_modules('generator')
    for s, (h, w) in enumerate(SIZES):
        x = torch.randn(1, 3, h + 2 * PAD, w + 2 * PAD)
        y = torch.randn(1, 3, h + 2 * PAD, w + 2 * PAD)
        with torch.no_grad():
            theirs = trained['Gs'][s](x, y)
            ours = blocks[s](x, y[:, :, PAD:-PAD, PAD:-PAD])
        assert torch.allclose(ours, theirs, atol=1e-5), s
    assert torch.allclose(model.reconstruct(), _authors_cascade(trained),
                          atol=1e-5)
    noises = [torch.randn(1, 1 if s == 0 else 3, h, w)
              for s, (h, w) in enumerate(SIZES)]
    assert torch.allclose(model.generate(noises),
                          _authors_cascade(trained, noises), atol=1e-5)
    # the pickle is the same state, data only
    state = load_pickle(osp.join(out, 'pickle', 'tiny.pkl'))
    assert state['curr_stage'] == len(SIZES) - 1
    assert state['fixed_noises'][0].shape == (1, 1, *SIZES[0])
    assert state['noise_weights'][1] == pytest.approx(0.07)
    # what the tool says to run next: tools/test.py, metrics included
    metrics = str(tmp_path / 'metrics.json')
    run_tool('test.py', osp.join(out, 'tiny_config.py'),
             osp.join(out, 'tiny.pth'), '--out-dir', str(tmp_path / 's'),
             '--num-samples', '2', '--out', metrics)
    with open(metrics) as f:
        result = json.load(f)
    real = trained['reals'][-1].clamp(-1, 1)
    real = ((real + 1) * 127.5).round() / 127.5 - 1  # as in the PNG
    assert result['recon_rmse'] == pytest.approx(
        float((model.reconstruct() - real).pow(2).mean().sqrt()), rel=1e-4)
    assert math.isfinite(result['swd_avg'])


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
