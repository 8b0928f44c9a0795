"""Checkpoints and pickles of mmagic's (and mmgen's) SinGAN.

The networks share mmagic's state-dict layout (``generator.blocks.<s>.
{head,body.block<i>,tail}.{conv,bn}.*``, the same for ``discriminator``), so
a model-zoo file loads into our model once two differences are undone:

- **Channel order.** mmagic reads images with ``mmcv.imread``: its networks
  see and produce BGR. The image channels enter a network only through the
  head conv of each block (generator and critic) and leave the generator
  only through the tail conv, so reversing the input channels of every head
  conv and the output channels (weight and bias) of every generator tail
  conv gives the same network for RGB images, exactly. The same swap turns
  our RGB weights into mmagic's BGR ones (it is its own inverse).
- **Upsampling between scales.** mmagic uses bicubic ``F.interpolate`` with
  ``align_corners=True``; models trained here use ``False``. A converted
  model keeps ``True``.

The pickle's fixed noises need no change in practice (the coarsest is one
channel, broadcast over colours; the finer ones are zeros); 3-channel
noises are swapped as well, so any pickle stays exact.
"""
import re
from typing import Dict, List, Optional

import numpy as np
import torch

__all__ = [
    'MMAGIC_SCOPES', 'EXPORT_KEY', 'checkpoint_format', 'swap_red_blue',
    'swap_noise_channels', 'from_mmagic', 'to_mmagic'
]

#: ``default_scope`` of configs written by mmagic and its predecessors.
MMAGIC_SCOPES = ('mmagic', 'mmedit', 'mmgen')
#: Meta entry written by :func:`to_mmagic`: what mmagic does not record.
EXPORT_KEY = 'singan_export'

_HEAD = re.compile(r'^(generator|generator_ema|discriminator)\.blocks\.\d+\.'
                   r'head\.conv\.weight$')
_TAIL = re.compile(r'^(generator|generator_ema)\.blocks\.\d+\.tail\.conv\.'
                   r'(weight|bias)$')
_SCOPE = re.compile(r"""^default_scope\s*=\s*['"](\w+)['"]""", re.M)


def checkpoint_format(ckpt: dict) -> Optional[str]:
    """Tell our checkpoints from mmagic's by what they carry.

    Args:
        ckpt (dict): A loaded checkpoint.

    Returns:
        str | None: ``'singan'`` (has ``singan_state`` or a ``singan``
        config), ``'mmagic'`` (an mmagic/mmedit/mmgen config or version in
        its meta, or written by :func:`to_mmagic`), ``None``: cannot tell
        (e.g. a bare state dict).
    """
    if 'singan_state' in ckpt:
        return 'singan'
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    if EXPORT_KEY in meta or any(f'{s}_version' in meta
                                 for s in MMAGIC_SCOPES):
        return 'mmagic'
    found = _SCOPE.search(meta.get('cfg') or '') if isinstance(
        meta.get('cfg'), str) else None
    if found:
        scope = found.group(1)
        if scope in MMAGIC_SCOPES:
            return 'mmagic'
        if scope == 'singan':
            return 'singan'
    return None


def _flip(tensor: torch.Tensor, dim: int, key: str) -> torch.Tensor:
    """Reverse the 3 colour channels along ``dim``."""
    if tensor.shape[dim] != 3:
        raise ValueError(
            f'{key} has {tensor.shape[dim]} channels on dim {dim}; only '
            '3-channel (colour) SinGANs can change channel order.')
    return tensor.flip(dim)


def swap_red_blue(state_dict: Dict[str, torch.Tensor]
                  ) -> Dict[str, torch.Tensor]:
    """BGR <-> RGB weights: the same networks for the other channel order.

    Args:
        state_dict (dict): Weights in mmagic's layout.

    Returns:
        dict: A new dict; head conv weights reversed on their input
        channels, generator tail conv weights and biases on their output
        channels, all other entries unchanged (shared, not copied).
    """
    swapped = dict(state_dict)
    for key, value in state_dict.items():
        if _HEAD.match(key):
            swapped[key] = _flip(value, 1, key)  # (out, in=3, k, k)
        elif _TAIL.match(key):
            swapped[key] = _flip(value, 0, key)  # (out=3, ...) or (3,)
    return swapped


def swap_noise_channels(state: dict) -> dict:
    """BGR <-> RGB fixed noises of an inference state (pickle).

    Args:
        state (dict): ``fixed_noises``, ``noise_weights``, ``curr_stage``.

    Returns:
        dict: A copy whose 3-channel noises ``(1, 3, H, W)`` are reversed on
        the channel axis; 1-channel noises are kept.
    """
    noises: List[np.ndarray] = []
    for noise in state['fixed_noises']:
        noise = np.asarray(noise)
        noises.append(noise[:, ::-1].copy() if noise.ndim == 4
                      and noise.shape[1] == 3 else noise)
    return dict(state, fixed_noises=noises)


def from_mmagic(ckpt: dict) -> tuple:
    """Weights of an mmagic checkpoint, converted for our RGB model.

    Args:
        ckpt (dict): An mmagic/mmgen checkpoint (``state_dict`` and ``meta``)
            or a bare state dict.

    Returns:
        tuple: ``(state_dict, align_corners)``: ``generator.*`` and
        ``discriminator.*`` weights for RGB images (``generator_ema.*`` is
        dropped: SinGAN does not train one), and the upsampling mode the
        model was trained with (``True`` unless the file says otherwise).
    """
    state_dict = ckpt.get('state_dict', ckpt)
    weights = {
        k: v
        for k, v in state_dict.items()
        if k.startswith(('generator.', 'discriminator.'))
    }
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    align_corners = bool((meta.get(EXPORT_KEY) or {}).get(
        'align_corners', True))
    return swap_red_blue(weights), align_corners


def to_mmagic(state_dict: Dict[str, torch.Tensor], inference_state: dict,
              align_corners: bool, iteration: int = 0,
              cfg_text: Optional[str] = None) -> tuple:
    """Our RGB weights and inference state in mmagic's layout (BGR).

    Args:
        state_dict (dict): ``generator.*``/``discriminator.*`` weights of
            our model (other entries are dropped).
        inference_state (dict): Fixed noises, noise weights and stage.
        align_corners (bool): Upsampling mode the model was trained with;
            recorded in ``meta['singan_export']`` (mmagic always runs
            ``True``).
        iteration (int): Training iteration, for ``meta['iter']``.
        cfg_text (str, optional): Config text for ``meta['cfg']``.

    Returns:
        tuple: ``(checkpoint, pickle_state)``: a dict with ``state_dict``
        and ``meta`` (tensors and plain data only), and the BGR inference
        state.
    """
    weights = {
        k: v.detach().cpu().clone()
        for k, v in state_dict.items()
        if k.startswith(('generator.', 'discriminator.'))
    }
    meta = dict(
        iter=int(iteration),
        epoch=0,
        **{EXPORT_KEY: dict(channel_order='BGR',
                            align_corners=bool(align_corners))})
    if cfg_text:
        meta['cfg'] = cfg_text
    checkpoint = dict(meta=meta, state_dict=swap_red_blue(weights))
    pickle_state = swap_noise_channels(inference_state)
    pickle_state['fixed_noises'] = [
        np.ascontiguousarray(n, dtype=np.float32)
        for n in pickle_state['fixed_noises']
    ]
    return checkpoint, pickle_state
