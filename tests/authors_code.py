"""The authors' code (tamarott/SinGAN) as the tests need it, rewritten.

Their package cannot be imported here (it needs torch < 1.5 and a CUDA
device), so this module holds what the tests need from it, written from
their algorithm:

- stand-ins of their classes (``SinGAN/models.py``: layout and forward),
  registered as ``SinGAN.models`` while a test saves, so that the pickles
  name the classes theirs name;
- :func:`authors_sizes`: the pyramid sizes of their ``adjust_scales2image``
  and ``creat_reals_pyramid`` (sizes rounded up);
- :func:`write_authors_folder`: ``TrainedModels/<name>/scale_factor=...``
  written as their ``train`` writes it today (torch >= 1.7:
  ``torch.full(shape, 0)`` is int64, so the fixed noises above scale 0 are
  int64 zeros; the amplitudes are 0-d tensors, 1 at scale 0);
- :func:`reference_imresize` and :func:`reference_generate`: their
  ``imresize`` (MATLAB-style cubic, a = -0.5, on 8-bit images) and
  ``SinGAN_generate``, the reference the imported model is compared with.
"""
import math
import os
import os.path as osp
import sys
import types
import warnings
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

#: Their ``(ker_size - 1) * num_layer / 2``.
PAD = 5


class ConvBlock(nn.Sequential):
    """Their ConvBlock: conv (with bias), BatchNorm, LeakyReLU."""

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.add_module('conv', nn.Conv2d(in_channel, out_channel, 3, 1, 0))
        self.add_module('norm', nn.BatchNorm2d(out_channel))
        self.add_module('LeakyRelu', nn.LeakyReLU(0.2, inplace=True))


class Torch14Backend:
    """What torch 1.4 pickled as a module's ``_backend``."""

    def __reduce__(self):
        import torch.nn.backends.thnn as thnn
        return (thnn._get_thnn_function_backend, ())


class GeneratorConcatSkip2CleanAdd(nn.Module):
    """Their generator of one scale, its forward as theirs."""

    def __init__(self, nfc: int, min_nfc: int, num_layer: int = 5,
                 torch14: bool = True) -> None:
        super().__init__()
        self.is_cuda = False
        if torch14:
            self._backend = Torch14Backend()
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
    """Their critic (its state dict goes to ``<s>/netD.pth``)."""

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


def install_authors_package(monkeypatch) -> types.ModuleType:
    """Make ``SinGAN.models`` importable (the stand-ins) for this test."""
    package = types.ModuleType('SinGAN')
    models = types.ModuleType('SinGAN.models')
    for cls in (ConvBlock, GeneratorConcatSkip2CleanAdd, WDiscriminator):
        cls.__module__ = 'SinGAN.models'
        setattr(models, cls.__name__, cls)
    package.models = models
    monkeypatch.setitem(sys.modules, 'SinGAN', package)
    monkeypatch.setitem(sys.modules, 'SinGAN.models', models)
    return models


def randomise(module: nn.Module, seed: Optional[int] = None) -> None:
    """Non-trivial weights, conv biases and BatchNorm statistics; eval."""
    if seed is not None:
        torch.manual_seed(seed)
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


def authors_sizes(height: int, width: int, min_size: int = 25,
                  max_size: int = 250, scale_factor_init: float = 0.75):
    """Their pyramid: ``(sizes, scale_factor)`` of an image ``height x width``.

    ``adjust_scales2image`` caps the long side to ``max_size`` (their
    imresize rounds sizes up), counts the scales from the uncapped image and
    sets ``scale_factor = (min_size / short side) ** (1 / stop_scale)``;
    ``creat_reals_pyramid`` then resizes the capped image by
    ``scale_factor ** (stop_scale - i)``, rounding up.
    """
    short, long_ = min(height, width), max(height, width)
    num_scales = math.ceil(math.log(min_size / short,
                                    scale_factor_init)) + 1
    to_stop = math.ceil(math.log(min(max_size, long_) / long_,
                                 scale_factor_init))
    stop = num_scales - to_stop
    cap = min(max_size / long_, 1)
    capped = (math.ceil(height * cap), math.ceil(width * cap))
    factor = math.pow(min_size / min(capped), 1 / stop)
    sizes = [tuple(math.ceil(s * factor**(stop - i)) for s in capped)
             for i in range(stop + 1)]
    return sizes, factor


def write_authors_folder(folder: str, sizes: Sequence[Sequence[int]],
                         legacy_gs: bool = False, critics: bool = True,
                         torch14: bool = True, seed: int = 0) -> dict:
    """Write Gs, Zs, reals, NoiseAmp (and ``<s>/``) as their ``train`` does.

    Needs :func:`install_authors_package` first (pickling names the
    classes). Widths follow their ``nfc = 32 * 2 ** (scale // 4)``.

    Returns:
        dict: ``Gs``, ``Zs``, ``reals``, ``NoiseAmp``: the saved lists.
    """
    torch.manual_seed(seed)
    Gs, Zs, reals, amps = [], [], [], []
    pad = nn.ZeroPad2d(PAD)
    for s, (h, w) in enumerate(sizes):
        width = min(32 * 2**(s // 4), 128)
        G = GeneratorConcatSkip2CleanAdd(width, width, torch14=torch14)
        randomise(G)
        Gs.append(G)
        if s == 0:  # one noise channel expanded to 3, then padded
            Zs.append(pad(torch.randn(1, 1, h, w).expand(1, 3, h, w)))
        else:  # torch.full(shape, 0): int64 on torch >= 1.7
            Zs.append(pad(torch.full((1, 3, h, w), 0)))
        reals.append(torch.rand(1, 3, h, w) * 2 - 1)
        amps.append(1 if s == 0 else torch.tensor(0.05 + 0.02 * s))
        os.makedirs(osp.join(folder, str(s)), exist_ok=True)
        torch.save(G.state_dict(), osp.join(folder, str(s), 'netG.pth'))
        if critics:
            D = WDiscriminator(width, width)
            randomise(D)
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


# ------------------------------------------------------------- reference
def _keys_cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic kernel with a = -0.5 (MATLAB's imresize)."""
    ax = np.abs(x)
    near = (1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1)
    far = (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * ((1 < ax) & (ax <= 2))
    return near + far


def _resize_dim(im: np.ndarray, dim: int, out_len: int,
                scale: float) -> np.ndarray:
    """Their ``contributions`` + ``resize_along_dim``, upscaling only.

    Each output pixel ``i`` (1-based) sits at ``i / scale + (1 - 1/scale)/2``
    of the input and reads the 6 input pixels from ``floor(that - 2) - 1``
    on. Positions past the right edge are mirrored; positions left of the
    first pixel get weight 0: their ``np.uint`` of a negative index wraps
    to ~1.8e19 on x86-64, where the kernel is 0. Weights are normalised to
    sum to 1 over the 6.
    """
    in_len = im.shape[dim]
    match = np.arange(1, out_len + 1) / scale + 0.5 * (1 - 1 / scale)
    first = np.floor(match - 2)[:, None] + np.arange(6) - 1  # 0-based
    weights = _keys_cubic(match[:, None] - first - 1)
    weights[first < 0] = 0.0
    weights = weights / weights.sum(axis=1, keepdims=True)
    index = first.astype(np.int64)
    index = np.where(index >= in_len, 2 * in_len - 1 - index, index)
    index = np.clip(index, 0, in_len - 1)  # weight 0 where clipped
    moved = np.moveaxis(im, dim, 0)
    out = np.zeros((out_len, ) + moved.shape[1:])
    for k in range(6):
        out += moved[index[:, k]] * weights[:, k].reshape(
            (-1, ) + (1, ) * (moved.ndim - 1))
    return np.moveaxis(out, 0, dim)


def reference_imresize(image: torch.Tensor, scale: Optional[float] = None,
                       shape: Optional[Sequence[int]] = None
                       ) -> torch.Tensor:
    """Their ``imresize`` of a ``(1, 3, h, w)`` image in [-1, 1].

    To 8 bits (``astype(np.uint8)`` of ``255 * denorm``: truncation), cubic
    in float64, height then width, ``/ 255`` to float32, then ``norm``
    (``(x - 0.5) * 2`` clamped to [-1, 1]).
    """
    x = image[0].permute(1, 2, 0)
    x = (255 * ((x + 1) / 2).clamp(0, 1)).numpy().astype(np.uint8)
    h, w = x.shape[:2]
    if shape is None:
        shape = (math.ceil(h * scale), math.ceil(w * scale))
        scales = (scale, scale)
    else:
        scales = (shape[0] / h, shape[1] / w)
    out = x.astype(np.float64)
    for dim in (0, 1):
        out = _resize_dim(out, dim, int(shape[dim]), scales[dim])
    out = torch.from_numpy(out.transpose(2, 0, 1)[None] / 255).float()
    return ((out - 0.5) * 2).clamp(-1, 1)


@torch.no_grad()
def reference_generate(trained: dict, scale_factor: float,
                       noises: Optional[List[Optional[torch.Tensor]]] = None
                       ) -> torch.Tensor:
    """Their ``SinGAN_generate`` (one sample, training sizes).

    Args:
        trained (dict): From :func:`write_authors_folder`.
        scale_factor (float): Their ``opt.scale_factor``.
        noises (list, optional): Unpadded noise per scale, ``(1, 1 or 3,
            H, W)``; ``None`` (or a ``None`` entry): ``Zs`` (the
            reconstruction there, as ``gen_start_scale`` above the scale).

    Returns:
        torch.Tensor: ``(1, 3, H, W)``, the finest output.
    """
    pad = nn.ZeroPad2d(PAD)
    reals = trained['reals']
    in_s = torch.full(reals[0].shape, 0)  # int64, as theirs
    out = None
    for n, (G, Z_opt, amp) in enumerate(
            zip(trained['Gs'], trained['Zs'], trained['NoiseAmp'])):
        given = None if noises is None else noises[n]
        z = Z_opt if given is None else pad(
            given.expand(1, 3, *given.shape[-2:]))
        if out is None:
            prev = pad(in_s)
        else:
            prev = reference_imresize(out, 1 / scale_factor)
            prev = pad(prev[:, :, :reals[n].shape[2], :reals[n].shape[3]])
            prev = prev[:, :, :z.shape[2], :z.shape[3]]
            prev = F.interpolate(prev, size=tuple(z.shape[-2:]),
                                 mode='bilinear', align_corners=True)
        out = G(amp * z + prev, prev)
    return out
