"""ConSinGAN (Hinz, Fisher, Wang, Wermter, WACV 2021), unconditional.

One growing generator (``ConSinGANGenerator``: shared head and tail, one
body stage per scale, features passed between stages) and one
discriminator. At each stage the last ``num_concurrent`` body stages train
together, each below the current at ``lr_scale`` times the rate of the one
above; the head trains during the first ``num_concurrent`` stages, the tail
always. The train loop (``engine/loops.py``) drives it as it drives SinGAN:
:meth:`ConSinGAN.start_scale` when a stage begins, :meth:`train_step` per
iteration, through ``ConSinGANOptimWrapperConstructor``'s optimizers (one
Adam per stage over that stage's parameter groups,
:meth:`stage_param_groups`). Differences from the authors' code:
``docs/consingan.md``.

SinGAN's own networks trained concurrently are ``type='SinGAN'`` with
``num_concurrent=3`` (``configs/singan/singan_balloons_fast.py``).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from .. import paper
from ..ops.losses import gradient_penalty, reconstruction_loss
from ..ops.noise import noise_amplitude
from ..registry import MODELS
from .consingan_state import validate_consingan_state

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
class ConSinGAN(BaseModel):
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
    """

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
        super().__init__(data_preprocessor=data_preprocessor)
        _check_networks(generator)
        _check_settings(num_concurrent, generator_steps, discriminator_steps,
                        generator_update)
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.num_scales = self.generator.num_scales if num_scales is None \
            else num_scales
        self.num_concurrent = num_concurrent
        self.lr_scale = lr_scale
        self.noise_weight_init = noise_weight_init
        self.generator_steps = generator_steps
        self.discriminator_steps = discriminator_steps
        self.generator_update = generator_update
        self.gp_weight = gp_weight
        self.recon_weight = recon_weight
        self.test_pkl_data = test_pkl_data
        self.fixed_noises: List[torch.Tensor] = []
        self.noise_weights: List[float] = []

    # ------------------------------------------------------------ state
    @property
    def current_scale(self) -> int:
        """The last stage started (-1 before training)."""
        return len(self.fixed_noises) - 1

    @property
    def sizes(self) -> List[tuple]:
        """Output ``(H, W)`` of every started stage, from the fixed noises."""
        margin = 2 * self.generator.shrink
        return [
            tuple(n.shape[-2:]) if s == 0 else
            (n.shape[-2] - margin, n.shape[-1] - margin)
            for s, n in enumerate(self.fixed_noises)
        ]

    @property
    def first_trained_scale(self) -> int:
        """The lowest body stage that learns with the current one."""
        return max(0, self.current_scale - self.num_concurrent + 1)

    def noise_channels(self, scale: int) -> int:
        """Channels of the noise at ``scale`` (3 at 0, ``features`` above)."""
        return self.generator.noise_shape(scale, (1, 1))[0]

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

    def generator_lrs(self, scale: Optional[int] = None) -> Dict[int, float]:
        """Body stages that learn at ``scale``, with rate multipliers.

        Args:
            scale (int, optional): The stage in training; ``None``: current.

        Returns:
            dict[int, float]: ``{stage: lr_scale ** (scale - stage)}``.
        """
        scale = self.current_scale if scale is None else scale
        first = max(0, scale - self.num_concurrent + 1)
        return {s: self.lr_scale**(scale - s) for s in range(first, scale + 1)}

    def stage_param_groups(self, scale: int) -> List[dict]:
        """Parameter groups of the generator's optimizer at stage ``scale``.

        The authors' groups, in their order: the trained body stages
        (lowest first), the head while ``scale < num_concurrent`` (at
        ``lr_scale ** scale``), the tail (at the full rate).

        Args:
            scale (int): The stage.

        Returns:
            list[dict]: ``params`` (list), ``lr_mult`` (float) and ``name``.
        """
        groups = [
            dict(name=f'blocks.{s}', lr_mult=mult,
                 params=list(self.generator.blocks[s].parameters()))
            for s, mult in self.generator_lrs(scale).items()
        ]
        if scale < self.num_concurrent:
            groups.append(dict(name='head', lr_mult=self.lr_scale**scale,
                               params=list(self.generator.head.parameters())))
        groups.append(dict(name='tail', lr_mult=1.0,
                           params=list(self.generator.tail.parameters())))
        return groups

    def trained_modules(self) -> Dict[str, nn.Module]:
        """The networks that learn at the current stage, by state-dict name."""
        modules = {
            f'generator.blocks.{s}': self.generator.blocks[s]
            for s in self.generator_lrs()
        }
        if self.current_scale < self.num_concurrent:
            modules['generator.head'] = self.generator.head
        modules['generator.tail'] = self.generator.tail
        modules['discriminator'] = self.discriminator
        return modules

    def _set_trainable(self) -> None:
        """Gradients only for what learns at the current stage.

        The authors leave the head's ``requires_grad`` on after it stops
        learning; its gradients were never applied, so switching them off
        changes no result and saves the backward pass through the frozen
        stages.
        """
        self.generator.requires_grad_(False)
        for module in self.trained_modules().values():
            module.requires_grad_(True)

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
        if scale != self.current_scale + 1:
            raise RuntimeError(f'Cannot start stage {scale} after stage '
                               f'{self.current_scale}; stages train in order.')
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
    def train_step(self, data: dict, optim_wrapper) -> Dict[str, torch.Tensor]:
        """One iteration at the current stage: D steps, then G steps.

        Args:
            data (dict): ``real_scale{i}`` tensors, ``(1, C, H_i, W_i)``.
            optim_wrapper (StageOptimizers): Built by
                ``ConSinGANOptimWrapperConstructor``, set to the stage by
                the train loop.

        Returns:
            dict[str, torch.Tensor]: Losses of the last steps, for the log.
        """
        scale = self.current_scale
        if scale < 0:
            raise RuntimeError('No stage started: train ConSinGAN with '
                               "train_cfg=dict(type='SinGANTrainLoop').")
        _check_optimizers(optim_wrapper)
        real = self.data_preprocessor(data, True)[f'real_scale{scale}']
        # One noise per iteration, as the authors: the critic steps all see
        # the same fake, which the generator step then reuses.
        noises = self._draw_noises(1, self.sizes, real.device)
        fake = self._train_forward(noises)
        log_vars = {}
        for _ in range(self.discriminator_steps):
            log_vars.update(
                self._discriminator_step(real, fake.detach(), optim_wrapper))
        log_vars.update(
            self._generator_steps(real, noises, fake, optim_wrapper))
        log_vars['scale'] = torch.tensor(float(scale))
        return log_vars

    def _train_forward(self, noises) -> torch.Tensor:
        """The generator up to the current stage, with gradients."""
        return self.generator(noises, self.sizes, self.noise_weights)

    def _discriminator_step(self, real, fake, optim_wrapper) -> dict:
        """One WGAN-GP critic step on a detached fake; returns its losses."""
        critic = self.discriminator
        loss_real = -critic(real).mean()
        loss_fake = critic(fake).mean()
        loss_gp = gradient_penalty(critic, real, fake)
        optim_wrapper.update_discriminator(loss_real + loss_fake +
                                           self.gp_weight * loss_gp)
        return dict(loss_d_real=loss_real.detach(),
                    loss_d_fake=loss_fake.detach(),
                    loss_gp=loss_gp.detach())

    def _generator_steps(self, real, noises, fake, optim_wrapper) -> dict:
        """Adversarial + reconstruction loss, applied as configured.

        ``'repeat'``: one loss and gradient, ``generator_steps`` optimizer
        steps with it (the authors' loop). ``'recompute'``: a fresh fake,
        reconstruction and gradient for every step.
        """
        repeat = self.generator_update == 'repeat'
        self.discriminator.requires_grad_(False)
        try:
            for step in range(1 if repeat else self.generator_steps):
                if step > 0:
                    fake = self._train_forward(noises)
                loss_gan = -self.discriminator(fake).mean()
                recon = self._train_forward(self.fixed_noises)
                loss_mse = reconstruction_loss(recon, real)
                optim_wrapper.update_generators(
                    loss_gan + self.recon_weight * loss_mse,
                    steps=self.generator_steps if repeat else 1)
        finally:
            self.discriminator.requires_grad_(True)
        return dict(loss_gan=loss_gan.detach(), loss_mse=loss_mse.detach())

    def _draw_noises(self, num: int, sizes: Sequence[Sequence[int]],
                     device, generator: Optional[torch.Generator] = None,
                     last: Optional[int] = None) -> List[torch.Tensor]:
        """Fresh standard normal noise for stages ``0..last``."""
        last = self.current_scale if last is None else last
        return [
            torch.randn(num, *self.noise_shape(s, sizes[s]), device=device,
                        generator=generator) for s in range(last + 1)
        ]

    # ---------------------------------------------------------- sampling
    @torch.no_grad()
    def generate(self,
                 noises: Sequence[Optional[torch.Tensor]],
                 sizes: Optional[Sequence[Sequence[int]]] = None,
                 start_image: Optional[torch.Tensor] = None,
                 start_scale: int = 0,
                 num: int = 1,
                 return_all: bool = False):
        """Run stages ``0..len(noises) - 1`` in eval mode, from noise.

        Args:
            noises (Sequence[torch.Tensor | None]): Noise per stage, of
                :meth:`noise_shape` with a batch dimension; ``None`` draws
                fresh noise there.
            sizes (Sequence, optional): Output ``(H, W)`` per stage (any
                size, for arbitrary sizes and aspect ratios); ``None``: the
                training sizes.
            start_image (torch.Tensor, optional): Not supported: stages pass
                features; must be ``None``.
            start_scale (int): Must be 0, for the same reason.
            num (int): Batch size where all noises are ``None`` (else the
                largest batch of the noises given; batch 1 broadcasts).
            return_all (bool): Also return the image of every stage.

        Returns:
            torch.Tensor | tuple: ``(N, C, H, W)`` in [-1, 1]; with
            ``return_all``, ``(output, images_per_stage)``.
        """
        if start_image is not None or start_scale != 0:
            raise ValueError(f'generate(start_image=..., start_scale='
                             f'{start_scale}): {_NO_INJECTION}')
        last = len(noises) - 1
        if not 0 <= last <= self.current_scale:
            raise ValueError(f'Cannot run stages 0..{last}: the model has '
                             f'stages 0..{self.current_scale}.')
        sizes = self.sizes if sizes is None else [tuple(s) for s in sizes]
        noises = self._complete_noises(noises, sizes, num)
        was_training = self.training
        self.train(False)
        try:
            return self.generator(noises, sizes, self.noise_weights,
                                  return_all=return_all)
        finally:
            self.train(was_training)

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

    def sample(self, num: int = 1, scale: Optional[int] = None,
               sizes: Optional[Sequence[Sequence[int]]] = None,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Random samples from noise, of the training or any other sizes.

        Args:
            num (int): Number of samples, drawn in one batch.
            scale (int, optional): Last stage to run; ``None``: current.
            sizes (Sequence, optional): Output ``(H, W)`` per stage;
                ``None``: the training sizes.
            generator (torch.Generator, optional): Random source.

        Returns:
            torch.Tensor: ``(num, C, H, W)`` in [-1, 1].
        """
        scale = self.current_scale if scale is None else scale
        sizes = self.sizes if sizes is None else sizes
        noises = self._draw_noises(num, sizes, self.fixed_noises[0].device,
                                   generator, last=scale)
        return self.generate(noises, sizes)

    def reconstruct(self, scale: Optional[int] = None) -> torch.Tensor:
        """The reconstruction of the training image from the fixed noises.

        Args:
            scale (int, optional): Last stage to run; ``None``: current.

        Returns:
            torch.Tensor: ``(1, C, H, W)`` in [-1, 1].
        """
        scale = self.current_scale if scale is None else scale
        return self.generate(self.fixed_noises[:scale + 1])

    def forward(self, inputs=None, data_samples=None, mode: str = 'tensor',
                num_batches: int = 1) -> torch.Tensor:
        """Samples from noise (mmengine's entry point for inference).

        Args:
            inputs: Unused.
            data_samples: Unused.
            mode (str): Only ``'tensor'``; train with :meth:`train_step`.
            num_batches (int): Number of samples.

        Returns:
            torch.Tensor: ``(num_batches, C, H, W)`` in [-1, 1].
        """
        if mode != 'tensor':
            raise ValueError(f"ConSinGAN.forward supports mode='tensor', got "
                             f'{mode!r}; training goes through train_step.')
        return self.sample(num_batches)

    # ------------------------------------------------------- inference state
    def export_inference_state(self) -> dict:
        """Fixed noises, noise amplitudes and stage, in SinGAN's layout.

        Returns:
            dict: ``fixed_noises`` (float32 ``(1, C, H, W)`` arrays: the
            coarsest real image, then feature noise), ``noise_weights``
            (floats) and ``curr_stage`` (int).
        """
        return dict(
            fixed_noises=[
                n.detach().cpu().float().numpy() for n in self.fixed_noises
            ],
            noise_weights=[float(w) for w in self.noise_weights],
            curr_stage=int(self.current_scale))

    def load_inference_state(self, state: dict,
                             source: str = 'the pickle') -> None:
        """Restore fixed noises, noise amplitudes and stage.

        Args:
            state (dict): As returned by :meth:`export_inference_state`.
            source (str): Where it came from, for error messages.

        Returns:
            None
        """
        noises, weights, _ = validate_consingan_state(state, self.generator,
                                                      source)
        device = next(self.parameters()).device
        self.fixed_noises = [
            torch.as_tensor(np.asarray(n, dtype=np.float32)).to(device)
            for n in noises
        ]
        self.noise_weights = weights
        self._set_trainable()


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


def _check_settings(num_concurrent, generator_steps, discriminator_steps,
                    generator_update) -> None:
    """Step counts >= 1 and a known generator update."""
    for name, value in (('num_concurrent', num_concurrent),
                        ('generator_steps', generator_steps),
                        ('discriminator_steps', discriminator_steps)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f'{name}={value!r} must be an integer >= 1 '
                             '(ConSinGAN uses 3).')
    if generator_update not in GENERATOR_UPDATES:
        raise ValueError(f'generator_update={generator_update!r}: use '
                         f"'repeat' (the authors') or 'recompute'.")


def _check_optimizers(optim_wrapper) -> None:
    """The optimizers must be ConSinGAN's (head and tail in the groups)."""
    if not getattr(optim_wrapper, 'per_stage_groups', False):
        raise TypeError(
            f'ConSinGAN got {type(optim_wrapper).__name__} optimizers; it '
            "needs optim_wrapper=dict(constructor='ConSinGANOptimWrapper"
            "Constructor', ...) so each stage's Adam holds its trained body "
            'stages, the head and the tail (configs/singan/'
            'consingan_balloons.py).')
