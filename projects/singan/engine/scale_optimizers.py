"""The optimizers of all scales, as one object that trains the current one.

There is one optimizer per scale and network, named ``generator_{s}`` and
``discriminator_{s}`` (mmagic's names, kept in checkpoints), each over the
parameter groups the model gives for it (``model.optimizer_groups(net, s)``,
each group at the configured rate x its ``lr_mult``). SinGAN's are one group
per scale's network; ConSinGAN's generator optimizer of a stage holds its
concurrent body stages, head and tail at their rates.

The train loop tells :class:`ScaleOptimizers` which scale trains
(``set_scale``, with the model's ``generator_lrs()``: the generator
optimizers that step, each with a rate multiplier) and the schedule's
learning-rate factor (``set_lr_factor``). So every rate is

    configured lr x group lr_mult x optimizer multiplier x schedule factor.

The model's iteration asks it to update the critic or the generator(s) with
a loss: backward once, reduce the gradients (averaged over ranks under data
parallelism), then step.
"""
import copy
from typing import Callable, Dict, Iterable, List, Optional

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

__all__ = ['ScaleOptimizers', 'SinGANOptimWrapperConstructor']

#: ``reduce(params)``: e.g. average the gradients over the ranks, in place.
GradientReducer = Callable[[Iterable[torch.Tensor]], None]

_NETS = ('generator', 'discriminator')


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
        # ``wrapper.param_groups``: with several groups, mmengine adds the
        # settings group it logs and saves; its rate follows too.
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
        """Choose the scale that trains, and its generator optimizers.

        Args:
            scale (int): The scale in training (its critic learns).
            generator_lrs (dict[int, float], optional): The model's
                ``generator_lrs()``: ``generator_{s}`` optimizers that step,
                with their rate multipliers. ``None``: ``{scale: 1.0}``.

        Returns:
            None
        """
        self._scale = scale
        self._generator_lrs = dict(generator_lrs or {scale: 1.0})
        self.set_lr_factor(self._factor)

    def set_lr_factor(self, factor: float) -> None:
        """Set the rates of the optimizers that step, times ``factor``.

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
        """Fresh optimizers of the same kinds, groups and rates over ``model``.

        Args:
            model (MultiScaleGAN): A copy of the model these optimizers
                train.

        Returns:
            ScaleOptimizers: Set to the same scale; no optimizer state.
        """
        wrappers = {}
        for name, wrapper in self.items():
            net, scale = name.rsplit('_', 1)
            defaults = wrapper.optimizer.defaults
            groups = torch_groups(model.optimizer_groups(net, int(scale)),
                                  defaults.get('lr'), name)
            wrappers[name] = OptimWrapper(
                type(wrapper.optimizer)(groups, **defaults))
        copied = ScaleOptimizers(**wrappers)
        copied._base_lr = copy.deepcopy(self._base_lr)
        copied._factor = self._factor
        copied.set_scale(self._scale, self._generator_lrs)
        return copied

    def update_discriminator(self, loss: torch.Tensor) -> None:
        """Backward ``loss`` and step the critic of the scale."""
        self._update(loss, [self[self.key('discriminator', self._scale)]])

    def update_generators(self, loss: torch.Tensor, steps: int = 1) -> None:
        """Backward ``loss`` once; step every generator optimizer that learns.

        Args:
            loss (torch.Tensor): The generator loss.
            steps (int): Optimizer steps with this one gradient (ConSinGAN's
                generator loop: 3).

        Returns:
            None
        """
        self._update(loss, [
            self[self.key('generator', s)] for s in sorted(self._generator_lrs)
        ], steps)

    def _update(self, loss: torch.Tensor, wrappers: List[OptimWrapper],
                steps: int = 1) -> None:
        """``OptimWrapper.update_params`` over several wrappers of one loss."""
        wrappers[0].backward(wrappers[0].scale_loss(loss))
        if not wrappers[0].should_update():
            return
        if self.reduce_gradients is not None:
            self.reduce_gradients(p for w in wrappers
                                  for group in w.optimizer.param_groups
                                  for p in group['params'])
        for wrapper in wrappers:
            for _ in range(steps):
                wrapper.step()
            wrapper.zero_grad()

    def get_lr(self) -> Dict[str, List[float]]:
        """Rates of the scale's generator and critic (for the log).

        mmengine logs every rate ``get_lr`` returns; with two optimizers per
        scale the log would list dozens. ``lr_g`` is the fastest group of the
        scale's generator optimizer: the scale's own network.
        """
        groups = self[self.key('generator', self._scale)].optimizer \
            .param_groups
        return dict(
            lr_g=[max(group['lr'] for group in groups)],
            lr_d=self[self.key('discriminator', self._scale)].get_lr()['lr'])

    def get_momentum(self) -> Dict[str, List[float]]:
        """Momentum of the scale's generator."""
        wrapper = self[self.key('generator', self._scale)]
        return dict(momentum=wrapper.get_momentum()['momentum'])


def torch_groups(groups: List[dict], lr: Optional[float],
                 name: str) -> List[dict]:
    """A model's parameter groups as torch's, each at ``lr x lr_mult``.

    Args:
        groups (list[dict]): ``params``, ``lr_mult`` and optionally
            ``name``, from ``model.optimizer_groups``.
        lr (float, optional): The configured rate; ``None``: the
            optimizer's default (only for groups at ``lr_mult=1``).
        name (str): The optimizer, for the message.

    Returns:
        list[dict]: ``params``, ``lr`` (where known) and ``name`` (where
        given).
    """
    built = []
    for group in groups:
        torch_group = dict(params=list(group['params']))
        if lr is not None:
            torch_group['lr'] = lr * group['lr_mult']
        elif group['lr_mult'] != 1.0:
            net = name.rsplit('_', 1)[0]
            raise ValueError(
                f'optim_wrapper.{net}.optimizer needs lr (e.g. '
                "dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))): the "
                f'parameter groups of {name} are set relative to it.')
        if 'name' in group:
            torch_group['name'] = group['name']
        built.append(torch_group)
    return built


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(
    name=['SinGANOptimWrapperConstructor', 'ConSinGANOptimWrapperConstructor'])
class SinGANOptimWrapperConstructor:
    """Build :class:`ScaleOptimizers` over the model's parameter groups.

    Registered under both names the configs use (SinGAN's and ConSinGAN's).

    Args:
        optim_wrapper_cfg (dict): ``generator=dict(optimizer=...)`` and
            ``discriminator=dict(optimizer=...)``, as in mmagic's configs.
        paramwise_cfg (dict, optional): Not supported; must be ``None``.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        missing = set(_NETS) - set(optim_wrapper_cfg)
        if missing:
            raise ValueError(
                f'optim_wrapper needs {sorted(missing)} entries, e.g. '
                "generator=dict(optimizer=dict(type='Adam', lr=5e-4, "
                'betas=(0.5, 0.999))).')
        if paramwise_cfg:
            raise ValueError('paramwise_cfg is not supported by SinGAN.')
        self.cfgs = {name: optim_wrapper_cfg[name] for name in _NETS}

    def __call__(self, model: nn.Module) -> ScaleOptimizers:
        """Build the optimizers of every scale and network.

        Args:
            model (nn.Module): ``SinGAN`` or ``ConSinGAN``, possibly wrapped.

        Returns:
            ScaleOptimizers: Keys ``generator_{s}``, ``discriminator_{s}``.
        """
        if is_model_wrapper(model):
            model = model.module
        wrappers: Dict[str, OptimWrapper] = {}
        for net in _NETS:
            for scale in range(len(model.scale_modules(net))):
                name = ScaleOptimizers.key(net, scale)
                wrappers[name] = self._build(
                    net, model.optimizer_groups(net, scale), name)
        return ScaleOptimizers(**wrappers)

    def _build(self, net: str, groups: List[dict],
               name: str) -> OptimWrapper:
        """One optimizer wrapper of ``net``'s config over ``groups``."""
        cfg = copy.deepcopy(self.cfgs[net])
        cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = dict(cfg.pop('optimizer'))
        optimizer_cfg['params'] = torch_groups(groups,
                                               optimizer_cfg.get('lr'), name)
        cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(cfg)
