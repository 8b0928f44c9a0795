"""Single-image FID (SIFID, Shaham et al. 2019) on Inception-v3's first layers.

SIFID compares the distributions of Inception features at the positions of
one real and one fake image: each position's feature vector is a sample, and
the Frechet distance of their Gaussians is the score. Only the first layers
of Inception-v3 are needed; their state-dict keys (``Conv2d_1a_3x3.conv.
weight``, ``....bn.running_mean``, ...) are the same in torchvision's and
pytorch-fid's weight files, so either file works and no torchvision is
needed. Nothing is ever downloaded: the user passes the file.

Note:
    - Features after the first max-pool have 64 channels (the authors'
      ``sifid_score.py`` default); after the second, 192 (the paper's text).
    - As pytorch-fid does, images are resized to 299x299 (bilinear) first;
      the layers expect inputs in [-1, 1], our images' range.
"""
import hashlib
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ['InceptionStem', 'load_inception_stem', 'frechet_distance',
           'sifid', 'file_sha256']

#: (name, in, out, kernel, stride, padding) of the layers up to 192 channels.
_LAYERS = (('Conv2d_1a_3x3', 3, 32, 3, 2, 0), ('Conv2d_2a_3x3', 32, 32, 3, 1,
                                                0),
           ('Conv2d_2b_3x3', 32, 64, 3, 1, 1), ('pool', ),
           ('Conv2d_3b_1x1', 64, 80, 1, 1, 0), ('Conv2d_4a_3x3', 80, 192, 3,
                                                1, 0), ('pool', ))
#: Layers run for each feature width.
_DEPTH = {64: 4, 192: 7}


class _BasicConv(nn.Module):
    """Inception's conv (no bias) + BatchNorm (eps 1e-3) + ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int,
                 padding: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class InceptionStem(nn.Module):
    """Inception-v3 up to the 64- or 192-channel features, in eval mode.

    Args:
        dims (int): 64 or 192.
    """

    def __init__(self, dims: int = 64) -> None:
        super().__init__()
        if dims not in _DEPTH:
            raise ValueError(f'SIFID dims must be 64 or 192, got {dims}.')
        self.dims = dims
        self.order = []
        for spec in _LAYERS[:_DEPTH[dims]]:
            if spec[0] == 'pool':
                self.order.append('pool')
            else:
                self.add_module(spec[0], _BasicConv(*spec[1:]))
                self.order.append(spec[0])
        self.eval()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features ``(N, dims, h, w)`` of images ``(N, 3, H, W)``, [-1, 1]."""
        x = F.interpolate(images, size=(299, 299), mode='bilinear',
                          align_corners=False)
        for name in self.order:
            x = F.max_pool2d(x, 3, 2) if name == 'pool' else \
                getattr(self, name)(x)
        return x


def file_sha256(path: str) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def load_inception_stem(path: str, dims: int = 64) -> Tuple[InceptionStem,
                                                             str]:
    """Build the stem and load its weights from a local file.

    Args:
        path (str): torchvision ``inception_v3`` or pytorch-fid
            ``pt_inception`` state dict (``.pth``).
        dims (int): 64 or 192.

    Returns:
        tuple: ``(InceptionStem, sha256 of the file)``.
    """
    state = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    stem = InceptionStem(dims)
    wanted = stem.state_dict()
    missing = [k for k in wanted if k not in state]
    if missing:
        raise ValueError(f'{path} is not an Inception-v3 state dict: it lacks '
                         f'{missing[0]} (and {len(missing) - 1} more keys).')
    stem.load_state_dict({k: state[k] for k in wanted})
    return stem.eval(), file_sha256(path)


def frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """Frechet distance of Gaussians fitted to two sets of feature vectors.

    Args:
        feat_a (numpy.ndarray): ``(P, D)``.
        feat_b (numpy.ndarray): ``(Q, D)``.

    Returns:
        float: ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))``.
    """
    mu_a, mu_b = feat_a.mean(0), feat_b.mean(0)
    cov_a = np.cov(feat_a, rowvar=False)
    cov_b = np.cov(feat_b, rowvar=False)
    # tr((S_a S_b)^(1/2)) = sum sqrt(eig(S_a^(1/2) S_b S_a^(1/2))): symmetric.
    vals, vecs = np.linalg.eigh(cov_a)
    root_a = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu_a - mu_b)**2).sum() + np.trace(cov_a) +
                 np.trace(cov_b) - 2 * trace_root)


@torch.no_grad()
def sifid(stem: InceptionStem, real: torch.Tensor,
          fakes: torch.Tensor) -> Dict[str, float]:
    """SIFID of each fake against the real image, and their mean.

    Args:
        stem (InceptionStem): From :func:`load_inception_stem`.
        real (torch.Tensor): ``(1, 3, H, W)`` in [-1, 1].
        fakes (torch.Tensor): ``(N, 3, H, W)`` in [-1, 1].

    Returns:
        dict[str, float]: ``sifid`` (mean) and ``sifid_std``.
    """
    def positions(x):  # (N, D, h, w) -> N arrays (h*w, D)
        feat = stem(x.float().cpu()).double()
        return [f.flatten(1).T.numpy() for f in feat]

    ref = positions(real[:1])[0]
    scores = [frechet_distance(ref, f) for f in positions(fakes)]
    return dict(sifid=float(np.mean(scores)), sifid_std=float(np.std(scores)))
