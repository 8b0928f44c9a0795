"""The optimizers of all scales, as one object that trains the current one.

SinGAN has one Adam per scale and network, named ``generator_{s}`` and
``discriminator_{s}`` (mmagic's names, kept in checkpoints). The train loop
tells :class:`ScaleOptimizers` which scale trains and at which learning-rate
factor; the model's iteration asks it to update the critic or the
generator(s) with a loss. Every update goes backward once, reduces the
gradients (averaged over ranks under data parallelism), then steps.

ConSinGAN has one generator optimizer per stage over parameter groups (the
trained body stages, the head, the tail, each at its own rate):
:class:`StageOptimizers`, built by :class:`ConSinGANOptimWrapperConstructor`
from the model's ``stage_param_groups(stage)``.
"""
import copy
from typing import Callable, Dict, Iterable, List, Optional

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

__all__ = [
    'ScaleOptimizers', 'SinGANOptimWrapperConstructor', 'StageOptimizers',
    'ConSinGANOptimWrapperConstructor'
]

#: ``reduce(params)``: e.g. average the gradients over the ranks, in place.
GradientReducer = Callable[[Iterable[torch.Tensor]], None]


class ScaleOptimizers(OptimWrapperDict):
    """Optimizers of every scale; updates those of the scale in training.

    Args:
        **wrappers (OptimWrapper): ``generator_{s}`` and
            ``discriminator_{s}`` for every scale ``s``.
    """

    def __init__(self, **wrappers: OptimWrapper) -> None:
        super().__init__(**wrappers)
        #: Set by the data-parallel wrapper; ``None``: one process.
        self.reduce_gradients: Optional[GradientReducer] = None
        self._base_lr = {
            name: [group['lr'] for group in wrapper.param_groups]
            for name, wrapper in self.items()
        }
        self._scale = 0
        self._generator_lrs: Dict[int, float] = {0: 1.0}
        self._factor = 1.0

    @staticmethod
    def key(net: str, scale: int) -> str:
        """Name of one optimizer, e.g. ``generator_3``."""
        return f'{net}_{scale}'

    def set_scale(self, scale: int,
                  generator_lrs: Optional[Dict[int, float]] = None) -> None:
        """Choose the scale that trains, and its generator scales.

        Args:
            scale (int): The scale in training (its critic learns).
            generator_lrs (dict[int, float], optional): Generator scales
                that learn, with their learning-rate multipliers (ConSinGAN
                trains several). ``None``: ``{scale: 1.0}``.

        Returns:
            None
        """
        self._scale = scale
        self._generator_lrs = dict(generator_lrs or {scale: 1.0})
        self.set_lr_factor(self._factor)

    def set_lr_factor(self, factor: float) -> None:
        """Multiply the configured learning rates of the scale by ``factor``.

        Args:
            factor (float): The schedule's factor (1, then 0.1 after the drop).

        Returns:
            None
        """
        self._factor = factor
        self._set_lr(self.key('discriminator', self._scale), factor)
        for scale, multiplier in self._generator_lrs.items():
            self._set_lr(self.key('generator', scale), factor * multiplier)

    def _set_lr(self, name: str, factor: float) -> None:
        for group, base in zip(self[name].param_groups, self._base_lr[name]):
            group['lr'] = base * factor

    def copy_for(self, model) -> 'ScaleOptimizers':
        """Fresh optimizers of the same kinds and rates over ``model``.

        Args:
            model (SinGAN): A copy of the model these optimizers train.

        Returns:
            ScaleOptimizers: Set to the same scale; no optimizer state.
        """
        wrappers = {}
        for name, wrapper in self.items():
            net, scale = name.rsplit('_', 1)
            module = model.scale_modules(net)[int(scale)]
            optimizer = type(wrapper.optimizer)(module.parameters(),
                                                **wrapper.optimizer.defaults)
            wrappers[name] = OptimWrapper(optimizer)
        copied = ScaleOptimizers(**wrappers)
        copied._base_lr = copy.deepcopy(self._base_lr)
        copied._factor = self._factor
        copied.set_scale(self._scale, self._generator_lrs)
        return copied

    def update_discriminator(self, loss: torch.Tensor) -> None:
        """Backward ``loss`` and step the critic of the scale."""
        self._update(loss, [self[self.key('discriminator', self._scale)]])

    def update_generators(self, loss: torch.Tensor) -> None:
        """Backward ``loss`` once; step every generator scale that learns."""
        self._update(loss, [
            self[self.key('generator', s)] for s in sorted(self._generator_lrs)
        ])

    def _update(self, loss: torch.Tensor,
                wrappers: List[OptimWrapper]) -> None:
        """``OptimWrapper.update_params`` over several wrappers of one loss."""
        wrappers[0].backward(wrappers[0].scale_loss(loss))
        if not wrappers[0].should_update():
            return
        if self.reduce_gradients is not None:
            self.reduce_gradients(p for w in wrappers
                                  for group in w.param_groups
                                  for p in group['params'])
        for wrapper in wrappers:
            wrapper.step()
            wrapper.zero_grad()

    def get_lr(self) -> Dict[str, List[float]]:
        """Learning rates of the scale's generator and critic (for the log).

        mmengine logs every rate ``get_lr`` returns; with two optimizers per
        scale the log would list dozens.
        """
        return dict(
            lr_g=self[self.key('generator', self._scale)].get_lr()['lr'],
            lr_d=self[self.key('discriminator', self._scale)].get_lr()['lr'])

    def get_momentum(self) -> Dict[str, List[float]]:
        """Momentum of the scale's generator."""
        wrapper = self[self.key('generator', self._scale)]
        return dict(momentum=wrapper.get_momentum()['momentum'])


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SinGANOptimWrapperConstructor:
    """Build :class:`ScaleOptimizers`: one optimizer per scale and network.

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

    def __call__(self, model: nn.Module) -> ScaleOptimizers:
        """Build the optimizers over each scale's networks.

        Args:
            model (nn.Module): ``SinGAN``, possibly wrapped.

        Returns:
            ScaleOptimizers: Keys ``generator_{s}``, ``discriminator_{s}``.
        """
        if is_model_wrapper(model):
            model = model.module
        wrappers: Dict[str, OptimWrapper] = {}
        for name, cfg in self.cfgs.items():
            for scale, module in enumerate(model.scale_modules(name)):
                cfg_s = copy.deepcopy(cfg)
                cfg_s.setdefault('type', 'OptimWrapper')
                wrappers[ScaleOptimizers.key(name, scale)] = \
                    build_optim_wrapper(module, cfg_s)
        return ScaleOptimizers(**wrappers)


class StageOptimizers(ScaleOptimizers):
    """One generator optimizer per stage over parameter groups (ConSinGAN).

    ``generator_{s}`` holds every parameter that learns at stage ``s``, each
    group at its own rate (the model's ``stage_param_groups(s)``, with
    ``lr_mult``); ``discriminator_{s}`` is a fresh optimizer of the one
    discriminator per stage, as the authors build one per stage. Only the
    optimizers of the stage in training step.

    Args:
        **wrappers (OptimWrapper): ``generator_{s}`` and
            ``discriminator_{s}`` for every stage ``s``.
    """

    #: Read by ``ConSinGAN.train_step`` to refuse SinGAN's optimizers.
    per_stage_groups = True

    def set_lr_factor(self, factor: float) -> None:
        """Multiply the stage's configured group rates by ``factor``.

        The per-group multipliers are in the configured rates already, so
        ``set_scale``'s ``generator_lrs`` only describes them.

        Args:
            factor (float): The schedule's factor (1, then 0.1 after the drop).

        Returns:
            None
        """
        self._factor = factor
        self._set_lr(self.key('discriminator', self._scale), factor)
        self._set_lr(self.key('generator', self._scale), factor)

    def update_generators(self, loss: torch.Tensor, steps: int = 1) -> None:
        """Backward ``loss`` once; step the stage's generator ``steps`` times.

        Args:
            loss (torch.Tensor): The generator loss.
            steps (int): Optimizer steps with this one gradient (ConSinGAN's
                generator loop: 3).

        Returns:
            None
        """
        wrapper = self[self.key('generator', self._scale)]
        wrapper.backward(wrapper.scale_loss(loss))
        if not wrapper.should_update():
            return
        if self.reduce_gradients is not None:
            # the optimizer's own groups: with several groups, mmengine's
            # wrapper.param_groups adds a parameter-less group for its log
            self.reduce_gradients(p for group in wrapper.optimizer.param_groups
                                  for p in group['params'])
        for _ in range(steps):
            wrapper.step()
        wrapper.zero_grad()

    def copy_for(self, model) -> 'StageOptimizers':
        """Fresh optimizers of the same kinds, groups and rates over ``model``.

        Args:
            model (ConSinGAN): A copy of the model these optimizers train.

        Returns:
            StageOptimizers: Set to the same stage; no optimizer state.
        """
        wrappers = {}
        for name, wrapper in self.items():
            net, scale = name.rsplit('_', 1)
            if net == 'generator':
                params = _stage_groups(model, int(scale), 1.0)
            else:
                params = model.scale_modules(net)[int(scale)].parameters()
            optimizer = type(wrapper.optimizer)(params,
                                                **wrapper.optimizer.defaults)
            wrappers[name] = OptimWrapper(optimizer)
        copied = StageOptimizers(**wrappers)
        copied._base_lr = copy.deepcopy(self._base_lr)
        copied._factor = self._factor
        copied.set_scale(self._scale, self._generator_lrs)
        return copied

    def get_lr(self) -> Dict[str, List[float]]:
        """Rates of the stage's own body stage and critic (for the log)."""
        groups = self[self.key('generator',
                               self._scale)].optimizer.param_groups
        current = [g['lr'] for g in groups
                   if g.get('name') == f'blocks.{self._scale}']
        return dict(
            lr_g=current or [groups[0]['lr']],
            lr_d=self[self.key('discriminator', self._scale)].get_lr()['lr'])


def _stage_groups(model, scale: int, base_lr: float) -> List[dict]:
    """``model.stage_param_groups(scale)`` as torch parameter groups."""
    return [
        dict(params=group['params'], lr=base_lr * group['lr_mult'],
             name=group['name']) for group in model.stage_param_groups(scale)
    ]


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ConSinGANOptimWrapperConstructor(SinGANOptimWrapperConstructor):
    """Build :class:`StageOptimizers`: per stage, grouped generator + critic.

    ``generator_{s}``: one optimizer over ``model.stage_param_groups(s)``,
    each group at ``lr x lr_mult``. ``discriminator_{s}``: one optimizer
    over ``model.scale_modules('discriminator')[s]``.

    Args:
        optim_wrapper_cfg (dict): ``generator=dict(optimizer=...)`` and
            ``discriminator=dict(optimizer=...)``; the generator's optimizer
            needs ``lr``.
        paramwise_cfg (dict, optional): Not supported; must be ``None``.
    """

    def __call__(self, model: nn.Module) -> StageOptimizers:
        """Build the optimizers of every stage.

        Args:
            model (nn.Module): ``ConSinGAN``, possibly wrapped.

        Returns:
            StageOptimizers: Keys ``generator_{s}``, ``discriminator_{s}``.
        """
        if is_model_wrapper(model):
            model = model.module
        if not hasattr(model, 'stage_param_groups'):
            raise TypeError(
                f'{type(model).__name__} has no stage_param_groups(stage); '
                'ConSinGANOptimWrapperConstructor is for ConSinGAN. Use '
                "constructor='SinGANOptimWrapperConstructor' for SinGAN.")
        wrappers: Dict[str, OptimWrapper] = {}
        for scale in range(model.num_scales + 1):
            wrappers[ScaleOptimizers.key('generator', scale)] = \
                self._grouped(model, scale)
            cfg = copy.deepcopy(self.cfgs['discriminator'])
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[ScaleOptimizers.key('discriminator', scale)] = \
                build_optim_wrapper(
                    model.scale_modules('discriminator')[scale], cfg)
        return StageOptimizers(**wrappers)

    def _grouped(self, model, scale: int) -> OptimWrapper:
        """The generator's wrapper of one stage, over its groups."""
        cfg = copy.deepcopy(self.cfgs['generator'])
        optimizer_cfg = dict(cfg.pop('optimizer'))
        if 'lr' not in optimizer_cfg:
            raise ValueError(
                'optim_wrapper.generator.optimizer needs lr (ConSinGAN: '
                "dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))): the "
                'groups of each stage are set relative to it.')
        optimizer_cfg['params'] = _stage_groups(model, scale,
                                                optimizer_cfg['lr'])
        cfg.setdefault('type', 'OptimWrapper')
        cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(cfg)
