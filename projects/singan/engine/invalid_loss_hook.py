"""Stop training at the first non-finite loss or weight."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..registry import HOOKS

__all__ = ['CheckInvalidLossHook']


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Raise on NaN/inf losses or weights, before any checkpoint has them.

    mmdet's and mmseg's hook of this name checks ``outputs['loss']``; mmengine
    0.10 has none. SinGAN logs several losses and no total, and a diverged
    step shows in the weights one iteration before the losses, so this one
    checks every loss and the weights that learn at the current scale. Its
    priority is above ``CheckpointHook``'s, so a broken state is never saved.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval={interval!r} must be an integer >= 1.')
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Raise ``FloatingPointError`` naming what is not finite."""
        if not self.every_n_train_iters(runner, self.interval):
            return
        bad = {k: float(v) for k, v in (outputs or {}).items()
               if not math.isfinite(float(v))}
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        weights = [
            f'{prefix}.{name}'
            for prefix, module in model.trained_modules().items()
            for name, param in module.named_parameters()
            if not torch.isfinite(param).all()
        ]
        if weights:
            bad['weights'] = weights[:3]
        if bad:
            loop = runner.train_loop
            raise FloatingPointError(
                f'Non-finite values {bad} at scale {loop.scale}, iteration '
                f'{loop.scale_iter} (global {runner.iter + 1}). Training '
                'stopped before saving them; the checkpoints in '
                f'{runner.work_dir} are from before it. Lower the learning '
                'rate or check the image.')
