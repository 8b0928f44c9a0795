"""Starting ``torch.distributed`` for SinGAN: config and process group.

``tools/dist_train.sh`` and ``tools/dist_test.sh`` start one process per
device with ``torchrun``; these helpers make the config and the process
group fit the machine:

- SinGAN trains through ``SinGANDataParallel`` (mmengine's and mmagic's
  ``*DistributedDataParallel`` wrappers need a ``forward(mode='loss')``);
- without CUDA the backend is gloo (``nccl`` needs GPUs);
- mmengine's ``init_dist`` calls ``torch.cuda.set_device`` even for gloo,
  which CPU builds of torch lack, so on CPU the group is started directly.
"""
from typing import Tuple

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import get_dist_info, init_dist
from mmengine.logging import print_log

__all__ = ['default_backend', 'configure_distributed', 'init_distributed']

#: Our wrapper, by the name mmengine's root registry resolves.
_WRAPPER = 'singan.SinGANDataParallel'
#: Wrappers that call ``forward(mode='loss')``; replaced for SinGAN.
_DDP_WRAPPERS = ('MMDistributedDataParallel',
                 'MMSeparateDistributedDataParallel')


def default_backend() -> str:
    """``'nccl'`` with CUDA, else ``'gloo'``.

    Returns:
        str: A ``torch.distributed`` backend.
    """
    return 'nccl' if torch.cuda.is_available() else 'gloo'


def configure_distributed(cfg: Config) -> Config:
    """Set the model wrapper and the backend of a training config, in place.

    Args:
        cfg (Config): A SinGAN config (ours or mmagic's).

    Returns:
        Config: The same object.
    """
    wrapper = cfg.get('model_wrapper_cfg') or {}
    if wrapper.get('type') in (None, ) + _DDP_WRAPPERS:
        if wrapper.get('type'):
            print_log(f"model_wrapper_cfg: {wrapper['type']} -> "
                      'SinGANDataParallel (SinGAN trains through train_step;'
                      ' gradients are averaged over ranks).',
                      logger='current')
        cfg.model_wrapper_cfg = dict(type=_WRAPPER)
    elif wrapper.get('type') == 'SinGANDataParallel':
        # the Runner looks the type up in mmengine's root registry, which
        # finds our scope's classes only by their scoped name
        wrapper['type'] = _WRAPPER
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl' and \
            not torch.cuda.is_available():
        dist_cfg['backend'] = 'gloo'
    return cfg


def init_distributed(launcher: str, backend: str = None,
                     **kwargs) -> Tuple[int, int]:
    """Start the process group of a launched job, if not started yet.

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun), ``'slurm'`` or
            ``'mpi'``, as ``--launcher``.
        backend (str, optional): ``None``: :func:`default_backend`.
        **kwargs: More ``init_process_group`` arguments (``timeout``).

    Returns:
        tuple[int, int]: ``(rank, world_size)``; ``(0, 1)`` without a
        launcher.
    """
    if launcher == 'none' or torch_dist.is_initialized():
        return get_dist_info()
    backend = backend or default_backend()
    if launcher == 'pytorch' and not torch.cuda.is_available():
        torch_dist.init_process_group(backend=backend, **kwargs)
    else:
        init_dist(launcher, backend=backend, **kwargs)
    return get_dist_info()
