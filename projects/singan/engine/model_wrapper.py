"""Data-parallel SinGAN over ``torch.distributed`` (gloo or nccl).

mmengine wraps a model in ``MMDistributedDataParallel``, whose
``train_step`` calls ``forward(mode='loss')``. SinGAN has no such forward:
one paper iteration is 3 critic and 3 generator steps on different blocks,
each with its own optimizer (``SinGAN.train_step``). This wrapper keeps that
``train_step`` and adds what data parallelism needs:

- each rank draws its own noise (ranks that share a random state are given
  distinct seeds; rank 0 keeps its stream);
- before every optimizer step the gradients of the parameters it steps are
  averaged over the ranks (``ScaleOptimizers.reduce_gradients``), so all
  ranks take the same step, concurrent generator scales included;
- when a scale starts, rank 0's weights, fixed noise and noise amplitude
  are copied to every rank; after each iteration the BatchNorm running
  statistics are averaged, so the ranks never drift apart.

With one rank every collective is skipped and training is exactly the
single-process run. Rank 0 writes checkpoints and pickles (mmengine's
``CheckpointHook`` and our ``PickleDataHook`` are rank-0 only).
"""
import hashlib
from typing import Dict, Iterable, List, Optional

import torch
import torch.nn as nn
from mmengine.dist import (all_gather_object, all_reduce_params, broadcast,
                           get_dist_info)

from ..registry import MODEL_WRAPPERS

__all__ = ['SinGANDataParallel', 'average_gradients']


def average_gradients(params: Iterable[torch.Tensor]) -> None:
    """Replace each gradient by its mean over all ranks, in place.

    Args:
        params (Iterable[torch.Tensor]): Parameters; those without a
            gradient are skipped (the same on every rank).

    Returns:
        None
    """
    grads = [p.grad for p in params if p.grad is not None]
    if grads:
        all_reduce_params(grads, coalesce=True, op='mean')


@MODEL_WRAPPERS.register_module()
class SinGANDataParallel(nn.Module):
    """Run ``SinGAN.train_step`` on every rank, data-parallel.

    Args:
        module (nn.Module): The ``SinGAN`` to wrap.
        broadcast_buffers (bool): Average the BatchNorm running statistics
            of the trained blocks over the ranks after each iteration.
            Defaults to True.
        **kwargs: Options of ``DistributedDataParallel`` that mmagic's
            configs set (``find_unused_parameters``, ``device_ids``, ...);
            they do not apply and are ignored.
    """

    def __init__(self, module: nn.Module, broadcast_buffers: bool = True,
                 **kwargs) -> None:
        super().__init__()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self._synced_stage: Optional[int] = None
        self._seeds_checked = False

    def train_step(self, data: dict, optim_wrapper) -> Dict[str, torch.Tensor]:
        """One paper iteration on this rank, kept in step with the others.

        Args:
            data (dict): The batch of ``SinGANDataset``.
            optim_wrapper (ScaleOptimizers): The optimizers of the scales.

        Returns:
            dict[str, torch.Tensor]: This rank's losses.
        """
        _, world_size = get_dist_info()
        if world_size == 1:
            return self.module.train_step(data, optim_wrapper)
        if not self._seeds_checked:
            _distinct_seeds()
            self._seeds_checked = True
        if self.module.current_scale != self._synced_stage:
            self._sync_stage()
        optim_wrapper.reduce_gradients = average_gradients
        log_vars = self.module.train_step(data, optim_wrapper)
        if self.broadcast_buffers:
            self._average_buffers()
        return log_vars

    def _sync_stage(self) -> None:
        """Give every rank rank 0's weights and inference state."""
        module = self.module
        for tensor in module.state_dict().values():
            broadcast(tensor)
        stage = module.current_scale
        broadcast(module.fixed_noises[stage])
        weights = torch.tensor(module.noise_weights, dtype=torch.float64)
        broadcast(weights)
        module.noise_weights = weights.tolist()
        self._synced_stage = stage

    def _average_buffers(self) -> None:
        """Mean of the float buffers (BatchNorm statistics) that learn."""
        buffers: List[torch.Tensor] = [
            b for module in self.module.trained_modules().values()
            for b in module.buffers() if b.is_floating_point()
        ]
        all_reduce_params(buffers, coalesce=True, op='mean')

    def val_step(self, data):
        """Delegate to the module."""
        return self.module.val_step(data)

    def test_step(self, data):
        """Delegate to the module."""
        return self.module.test_step(data)

    def forward(self, *args, **kwargs):
        """Delegate to the module (sampling)."""
        return self.module(*args, **kwargs)


def _distinct_seeds() -> None:
    """Reseed ranks whose random state equals another rank's.

    Runs once, at the first iteration, after a resume has restored the
    random state (the same on every rank). Rank 0 keeps its stream, so its
    noise is that of the run it continues.
    """
    rank, _ = get_dist_info()
    digest = hashlib.sha1(torch.get_rng_state().numpy().tobytes()).hexdigest()
    digests = all_gather_object(digest)
    if digests.index(digest) != rank:
        torch.manual_seed(torch.initial_seed() + 1_000_003 * rank)
