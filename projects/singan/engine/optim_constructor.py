"""One optimizer per scale and network, named ``generator_{s}`` etc."""
import copy
from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['SinGANOptimWrapperConstructor', 'SinGANOptimWrapperDict']


class SinGANOptimWrapperDict(OptimWrapperDict):
    """Optimizers of all scales; reports the learning rate of one scale.

    mmengine logs every learning rate ``get_lr`` returns; with two
    optimizers per scale the log would list dozens. The stage hook sets the
    active scale, and only its rates are logged.
    """

    active_scale = 0

    def set_active_scale(self, scale: int) -> None:
        """Choose the scale whose learning rates are reported."""
        self.active_scale = scale

    def get_lr(self) -> Dict[str, List[float]]:
        """Learning rates of the active scale's generator and critic."""
        s = self.active_scale
        return dict(
            lr_g=self[f'generator_{s}'].get_lr()['lr'],
            lr_d=self[f'discriminator_{s}'].get_lr()['lr'])

    def get_momentum(self) -> Dict[str, List[float]]:
        """Momentum of the active scale's generator."""
        return dict(momentum=self[
            f'generator_{self.active_scale}'].get_momentum()['momentum'])


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SinGANOptimWrapperConstructor:
    """Build ``generator_{s}`` and ``discriminator_{s}`` for every scale.

    Args:
        optim_wrapper_cfg (dict): ``generator=dict(optimizer=...)`` and
            ``discriminator=dict(optimizer=...)``, as in mmagic's configs.
        paramwise_cfg (dict, optional): Not supported; must be ``None``.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        missing = {'generator', 'discriminator'} - set(optim_wrapper_cfg)
        if missing:
            raise ValueError(
                f'optim_wrapper needs {sorted(missing)} entries, e.g. '
                "generator=dict(optimizer=dict(type='Adam', lr=5e-4, "
                'betas=(0.5, 0.999))).')
        if paramwise_cfg:
            raise ValueError('paramwise_cfg is not supported by SinGAN.')
        self.cfgs = {
            name: optim_wrapper_cfg[name]
            for name in ('generator', 'discriminator')
        }

    def __call__(self, model: nn.Module) -> SinGANOptimWrapperDict:
        """Build the optimizers over each scale's block.

        Args:
            model (nn.Module): ``SinGAN``, possibly wrapped.

        Returns:
            SinGANOptimWrapperDict: Keys ``generator_{s}``,
            ``discriminator_{s}``.
        """
        if is_model_wrapper(model):
            model = model.module
        wrappers: Dict[str, OptimWrapper] = {}
        for name, cfg in self.cfgs.items():
            for scale, block in enumerate(getattr(model, name).blocks):
                cfg_s = copy.deepcopy(cfg)
                cfg_s.setdefault('type', 'OptimWrapper')
                wrappers[f'{name}_{scale}'] = build_optim_wrapper(block, cfg_s)
        return SinGANOptimWrapperDict(**wrappers)
