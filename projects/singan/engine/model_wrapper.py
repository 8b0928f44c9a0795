"""Data-parallel SinGAN over ``torch.distributed`` (gloo or nccl).

mmengine wraps a model in ``MMDistributedDataParallel``, whose
``train_step`` calls ``forward(mode='loss')``. SinGAN has no such forward:
one paper iteration is 3 critic and 3 generator steps on different blocks,
each with its own optimizer (``SinGAN.train_step``). This wrapper keeps that
``train_step`` and adds what data parallelism needs:

- each rank draws its own noise (ranks that share a random state are given
  distinct seeds; rank 0 keeps its stream);
- before every optimizer step the gradients of that optimizer's parameters
  are averaged over the ranks, so all ranks take the same step;
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
from mmengine.optim import OptimWrapper, OptimWrapperDict

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


class _GradientAveraging:
    """An ``OptimWrapper`` view whose ``update_params`` averages gradients.

    Same steps as ``OptimWrapper.update_params`` (scale, backward, step when
    due, zero), with the all-reduce between backward and step.
    """

    def __init__(self, wrapper: OptimWrapper) -> None:
        self._wrapper = wrapper

    def __getattr__(self, name: str):
        return getattr(self._wrapper, name)

    def update_params(self, loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        wrapper = self._wrapper
        wrapper.backward(wrapper.scale_loss(loss))
        if wrapper.should_update():
            average_gradients(p for group in wrapper.param_groups
                              for p in group['params'])
            wrapper.step(**(step_kwargs or {}))
            wrapper.zero_grad(**(zero_kwargs or {}))


class _AveragingDict:
    """``OptimWrapperDict`` view handing out gradient-averaging wrappers."""

    def __init__(self, wrappers: OptimWrapperDict) -> None:
        self._wrappers = wrappers

    def __getitem__(self, key: str) -> _GradientAveraging:
        return _GradientAveraging(self._wrappers[key])

    def __getattr__(self, name: str):
        return getattr(self._wrappers, name)


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

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One paper iteration on this rank, kept in step with the others.

        Args:
            data (dict): The batch of ``SinGANDataset``.
            optim_wrapper (OptimWrapperDict): ``generator_{s}`` and
                ``discriminator_{s}`` optimizers.

        Returns:
            dict[str, torch.Tensor]: This rank's losses.
        """
        _, world_size = get_dist_info()
        if world_size == 1:
            return self.module.train_step(data, optim_wrapper)
        if not self._seeds_checked:
            _distinct_seeds()
            self._seeds_checked = True
        if self.module.curr_stage != self._synced_stage:
            self._sync_stage()
        log_vars = self.module.train_step(data, _AveragingDict(optim_wrapper))
        if self.broadcast_buffers:
            self._average_buffers()
        return log_vars

    def _sync_stage(self) -> None:
        """Give every rank rank 0's weights and inference state."""
        module = self.module
        for tensor in module.state_dict().values():
            broadcast(tensor)
        stage = module.curr_stage
        broadcast(module.fixed_noises[stage])
        weights = torch.tensor(module.noise_weights, dtype=torch.float64)
        broadcast(weights)
        module.noise_weights = weights.tolist()
        self._synced_stage = stage

    def _average_buffers(self) -> None:
        """Mean of the float buffers (BatchNorm statistics) of the scale."""
        stage = self.module.curr_stage
        buffers: List[torch.Tensor] = [
            b for net in (self.module.generator, self.module.discriminator)
            for b in net.blocks[stage].buffers() if b.is_floating_point()
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
