"""ConSinGAN (Hinz, Fisher, Wang, Wermter, WACV 2021), unconditional.

One growing generator (``ConSinGANGenerator``: shared head and tail, one
body stage per scale, features passed between stages) and one
discriminator. At each stage the last ``num_concurrent`` body stages train
together, each below the current at ``lr_scale`` times the rate of the one
above; the head trains during the first ``num_concurrent`` stages, the tail
always. The train loop (``engine/loops.py``) drives it as it drives SinGAN:
:meth:`ConSinGAN.start_scale` when a stage begins, :meth:`train_step` per
iteration; what both models share is ``models/base.py``. Its optimizers are
one Adam per stage over that stage's parameter groups
(:meth:`ConSinGAN.optimizer_groups`). Differences from the authors' code:
``docs/consingan.md``.

SinGAN's own networks trained concurrently are ``type='SinGAN'`` with
``num_concurrent=3`` (``configs/singan/singan_balloons_fast.py``).
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from .. import paper
from ..ops.noise import noise_amplitude
from ..registry import MODELS
from .base import MultiScaleGAN
from .inference_state import NoiseSpec

__all__ = ['ConSinGAN', 'GENERATOR_UPDATES']

#: ``'repeat'``: the authors' generator loop, one gradient applied
#: ``generator_steps`` times; ``'recompute'``: a new loss and gradient for
#: every step, as SinGAN.
GENERATOR_UPDATES = ('repeat', 'recompute')

_NO_INJECTION = (
    'ConSinGAN passes features, not images, between its stages, so an image '
    'cannot be injected at a stage (harmonization, editing, paint-to-image, '
    'super-resolution). Train a SinGAN for that: configs/singan/'
    'singan_app_*.py (or singan_balloons_fast.py, SinGAN trained '
    'concurrently).')


@MODELS.register_module()
class ConSinGAN(MultiScaleGAN):
    """ConSinGAN for unconditional generation (arbitrary sizes too).

    Args:
        generator (dict): Config of ``ConSinGANGenerator``.
        discriminator (dict): Config of ``ConSinGANDiscriminator``.
        num_scales (int, optional): Index of the finest stage; ``None``
            takes the generator's.
        num_concurrent (int): Body stages trained at once (the authors'
            ``train_depth``). Defaults to 3.
        lr_scale (float): Learning-rate factor per stage below the current.
            Defaults to 0.1.
        noise_weight_init (float): Noise amplitude = this x RMSE of the
            reconstruction at the new stage. Defaults to 0.1.
        generator_steps (int): Generator steps per iteration. Defaults to 3.
        discriminator_steps (int): Critic steps per iteration. Defaults to 3.
        generator_update (str): ``'repeat'`` (the authors': one gradient,
            applied ``generator_steps`` times) or ``'recompute'``. Defaults
            to ``'repeat'``.
        gp_weight (float): Gradient-penalty weight. Defaults to 0.1.
        recon_weight (float): Reconstruction-loss weight. Defaults to 10.
        test_pkl_data (str, optional): Pickle used by ``tools/test.py``.
        data_preprocessor (dict, optional): ``None``: move data to device.
        init_cfg (dict, optional): Unused; networks initialise themselves.

    Note:
        The authors leave the head's ``requires_grad`` on after it stops
        learning; its gradients were never applied, so switching them off
        changes no result and saves the backward pass through the frozen
        stages.
    """

    scale_word = 'stage'

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 num_scales: Optional[int] = None,
                 num_concurrent: int = 3,
                 lr_scale: float = 0.1,
                 noise_weight_init: float = 0.1,
                 generator_steps: int = paper.GENERATOR_STEPS,
                 discriminator_steps: int = paper.DISCRIMINATOR_STEPS,
                 generator_update: str = 'repeat',
                 gp_weight: float = 0.1,
                 recon_weight: float = 10.0,
                 test_pkl_data: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        _check_networks(generator)
        if generator_update not in GENERATOR_UPDATES:
            raise ValueError(f'generator_update={generator_update!r}: use '
                             f"'repeat' (the authors') or 'recompute'.")
        super().__init__(generator, discriminator, num_scales,
                         num_concurrent, lr_scale, noise_weight_init,
                         generator_steps, discriminator_steps, gp_weight,
                         recon_weight, test_pkl_data, data_preprocessor)
        self.generator_update = generator_update

    # ------------------------------------------------------------ state
    @property
    def sizes(self) -> List[tuple]:
        """Output ``(H, W)`` of every started stage, from the fixed noises."""
        margin = 2 * self.generator.shrink
        return [
            tuple(n.shape[-2:]) if s == 0 else
            (n.shape[-2] - margin, n.shape[-1] - margin)
            for s, n in enumerate(self.fixed_noises)
        ]

    def noise_shape(self, scale: int, size: Sequence[int]) -> tuple:
        """``(C, H', W')`` of the noise of a stage whose output is ``size``.

        Args:
            scale (int): The stage.
            size (Sequence[int]): Its output ``(H, W)``.

        Returns:
            tuple: See ``ConSinGANGenerator.noise_shape``.
        """
        return self.generator.noise_shape(scale, size)

    def scale_modules(self, net: str) -> List[nn.Module]:
        """The body stages, or the one discriminator once per stage.

        Args:
            net (str): ``'generator'`` or ``'discriminator'``.

        Returns:
            list[nn.Module]: One module per stage, coarsest first.
        """
        if net == 'generator':
            return list(self.generator.blocks)
        return [self.discriminator] * (self.num_scales + 1)

    def optimizer_groups(self, net: str, scale: int) -> List[dict]:
        """Parameter groups of the optimizer ``{net}_{scale}``.

        The generator's of stage ``scale`` are the authors' groups, in their
        order: the trained body stages (lowest first, at
        :meth:`concurrent_rates`), the head while ``scale <
        num_concurrent`` (at ``lr_scale ** scale``), the tail (at the full
        rate). The discriminator's: the one network.

        Args:
            net (str): ``'generator'`` or ``'discriminator'``.
            scale (int): The stage.

        Returns:
            list[dict]: ``params`` (list), ``lr_mult`` (float) and ``name``.
        """
        if net != 'generator':
            return super().optimizer_groups(net, scale)
        groups = [
            dict(name=f'blocks.{s}', lr_mult=mult,
                 params=list(self.generator.blocks[s].parameters()))
            for s, mult in self.concurrent_rates(scale).items()
        ]
        if scale < self.num_concurrent:
            groups.append(dict(name='head', lr_mult=self.lr_scale**scale,
                               params=list(self.generator.head.parameters())))
        groups.append(dict(name='tail', lr_mult=1.0,
                           params=list(self.generator.tail.parameters())))
        return groups

    def generator_lrs(self) -> Dict[int, float]:
        """The one generator optimizer of the current stage, at rate x1.

        Its groups hold the concurrent stages at their rates
        (:meth:`optimizer_groups`).

        Returns:
            dict[int, float]: ``{current_scale: 1.0}``.
        """
        return {self.current_scale: 1.0}

    def trained_modules(self) -> Dict[str, nn.Module]:
        """The networks that learn at the current stage, by state-dict name."""
        modules = {
            f'generator.blocks.{s}': self.generator.blocks[s]
            for s in self.concurrent_rates(self.current_scale)
        }
        if self.current_scale < self.num_concurrent:
            modules['generator.head'] = self.generator.head
        modules['generator.tail'] = self.generator.tail
        modules['discriminator'] = self.discriminator
        return modules

    # ----------------------------------------------------------- stages
    def start_scale(self, scale: int, reals: Sequence[torch.Tensor]) -> None:
        """Grow the generator by stage ``scale`` and set its noise.

        The new stage starts as a copy of the one below; its fixed noise is
        the coarsest real image at stage 0 and feature noise above; its
        amplitude is ``noise_weight_init`` x the RMSE of the reconstruction
        through the new stage (its own noise off), as the authors do.

        Args:
            scale (int): The stage to train next; must follow the current.
            reals (Sequence[torch.Tensor]): Real image per stage,
                ``(1, C, H_s, W_s)``, coarsest first.

        Returns:
            None
        """
        self._check_next(scale)
        real = reals[scale]
        self.generator.copy_from_previous(scale)
        if scale == 0:
            fixed = reals[0].detach().clone()
        else:
            fixed = torch.randn(1, *self.noise_shape(scale, real.shape[-2:]),
                                device=real.device)
        self.fixed_noises.append(fixed)
        self._set_trainable()
        self.noise_weights.append(0.0)
        if scale == 0:
            self.noise_weights[0] = 1.0
        else:
            with torch.no_grad():
                recon = self.generator(self.fixed_noises, self.sizes,
                                       self.noise_weights)
            self.noise_weights[scale] = noise_amplitude(
                real, recon, self.noise_weight_init)

    # --------------------------------------------------------- training
    def _iteration(self, real: torch.Tensor, optim_wrapper) -> dict:
        """``discriminator_steps`` critic steps, then the generator loop.

        One noise per iteration, as the authors: the critic steps all see
        the same fake, which the generator step then reuses. The generator
        loop, ``'repeat'``: one loss and gradient, ``generator_steps``
        optimizer steps with it (the authors'); ``'recompute'``: a fresh
        fake, reconstruction and gradient for every step.
        """
        noises = self._draw_noises(1, self.sizes, real.device)
        fake = self._train_forward(noises)
        log_vars = {}
        for _ in range(self.discriminator_steps):
            log_vars.update(
                self._critic_step(real, fake.detach(), optim_wrapper))
        repeat = self.generator_update == 'repeat'
        for step in range(1 if repeat else self.generator_steps):
            if step > 0:
                fake = self._train_forward(noises)
            recon = self._train_forward(self.fixed_noises)
            log_vars.update(self._generator_update(
                real, fake, recon, optim_wrapper,
                steps=self.generator_steps if repeat else 1))
        return log_vars

    def _train_forward(self, noises) -> torch.Tensor:
        """The generator up to the current stage, with gradients."""
        return self.generator(noises, self.sizes, self.noise_weights)

    # ---------------------------------------------------------- sampling
    def _generate(self, noises, sizes, start_image, start_scale, num,
                  return_all):
        """The generator on the given (or drawn) noises, from stage 0.

        Stages pass features, so ``start_image`` must be ``None`` and
        ``start_scale`` 0; a noise of batch 1 broadcasts.
        """
        if start_image is not None or start_scale != 0:
            raise ValueError(f'generate(start_image=..., start_scale='
                             f'{start_scale}): {_NO_INJECTION}')
        sizes = self.sizes if sizes is None else [tuple(s) for s in sizes]
        noises = self._complete_noises(noises, sizes, num)
        return self.generator(noises, sizes, self.noise_weights,
                              return_all=return_all)

    def _complete_noises(self, noises, sizes, num) -> List[torch.Tensor]:
        """Draw the ``None`` noises; check the shapes of the others.

        A noise of batch 1 broadcasts against the others (e.g. fixed noise
        below an animated stage).
        """
        batch = max((n.shape[0] for n in noises if n is not None),
                    default=num)
        device = self.fixed_noises[0].device
        done = []
        for scale, noise in enumerate(noises):
            want = (batch, *self.noise_shape(scale, sizes[scale]))
            if noise is None:
                noise = torch.randn(*want, device=device)
            elif tuple(noise.shape[1:]) != want[1:] or \
                    noise.shape[0] not in (1, batch):
                raise ValueError(
                    f'Noise of stage {scale} has shape {tuple(noise.shape)};'
                    f' ConSinGAN needs {want} (or batch 1) for output size '
                    f'{tuple(sizes[scale])}: feature noise, padded by 2 x '
                    'num_layers, above stage 0. Use model.noise_shape('
                    'scale, size), model.sample(), or pass None.')
            done.append(noise)
        return done

    # ------------------------------------------------------- inference state
    def _noise_spec(self, scale: int) -> NoiseSpec:
        """The coarsest real image at stage 0, padded feature noise above."""
        if scale == 0:
            return NoiseSpec((self.generator.in_channels, ), 1,
                             'the coarsest real image')
        return NoiseSpec((self.generator.features, ),
                         2 * self.generator.shrink + 1,
                         'feature noise padded by 2 x num_layers')


def _check_networks(generator: dict) -> None:
    """Refuse SinGAN's networks, with the config that trains them."""
    if generator.get('type') in ('SinGANMultiScaleGenerator',
                                 'SinGANMSGeneratorPE'):
        raise ValueError(
            "model.type='ConSinGAN' is ConSinGAN's own model and takes "
            "generator=dict(type='ConSinGANGenerator'). SinGAN's networks "
            "trained concurrently (the former ConSinGAN) are type='SinGAN' "
            'with num_concurrent=3, lr_scale=0.1: see configs/singan/'
            'singan_balloons_fast.py; its checkpoints load with that config.')
