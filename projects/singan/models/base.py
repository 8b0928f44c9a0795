"""What SinGAN and ConSinGAN share: a GAN of one image, grown scale by scale.

The train loop (``engine/loops.py``) calls :meth:`MultiScaleGAN.start_scale`
when a scale begins and :meth:`MultiScaleGAN.train_step` for each of its
iterations. What changes between scales (the fixed noises, the noise
amplitudes) is explicit state here, exported with
:meth:`MultiScaleGAN.export_inference_state` and restored with
:meth:`MultiScaleGAN.load_inference_state`; the current scale is the last
one started.

A model says which of its parameters each optimizer holds
(:meth:`MultiScaleGAN.optimizer_groups`, each group with a rate multiplier)
and which generator optimizers step at the current scale
(:meth:`MultiScaleGAN.generator_lrs`); ``engine/scale_optimizers.py`` builds
and steps them. A subclass provides its networks' specifics: ``start_scale``,
``noise_shape``, ``trained_modules``, ``_iteration`` (the fake and the
reconstruction of one iteration) and ``_generate`` (the generator in eval
mode).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from ..ops.losses import gradient_penalty, reconstruction_loss
from ..registry import MODELS
from .inference_state import NoiseSpec, validate_inference_state

__all__ = ['MultiScaleGAN']


class MultiScaleGAN(BaseModel):
    """Base of the models of one image trained coarse to fine.

    Args:
        generator (dict): Config of the generator (``blocks`` per scale).
        discriminator (dict): Config of the discriminator.
        num_scales (int, optional): Index of the finest scale; ``None``
            takes the generator's.
        num_concurrent (int): Generator scales that learn together.
        lr_scale (float): Learning-rate factor per concurrent scale below the
            current one.
        noise_weight_init (float): Noise amplitude = this x RMSE of the
            reconstruction.
        generator_steps (int): Generator steps per iteration.
        discriminator_steps (int): Critic steps per iteration.
        gp_weight (float): Gradient-penalty weight.
        recon_weight (float): Reconstruction-loss weight.
        test_pkl_data (str, optional): Pickle of fixed noises and noise
            amplitudes used by ``tools/test.py`` (mmagic's key).
        data_preprocessor (dict, optional): ``None``: move data to device.
    """

    #: What the messages call one level of the pyramid.
    scale_word = 'scale'

    def __init__(self, generator: dict, discriminator: dict,
                 num_scales: Optional[int], num_concurrent: int,
                 lr_scale: float, noise_weight_init: float,
                 generator_steps: int, discriminator_steps: int,
                 gp_weight: float, recon_weight: float,
                 test_pkl_data: Optional[str],
                 data_preprocessor: Optional[dict]) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        for name, value in (('num_concurrent', num_concurrent),
                            ('generator_steps', generator_steps),
                            ('discriminator_steps', discriminator_steps)):
            if not isinstance(value, int) or isinstance(value, bool) or \
                    value < 1:
                raise ValueError(
                    f'{name}={value!r} must be an integer >= 1 (the paper '
                    'uses 3 steps; SinGAN trains 1 scale at a time, '
                    'ConSinGAN 3).')
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.num_scales = self.generator.num_scales if num_scales is None \
            else num_scales
        self.num_concurrent = num_concurrent
        self.lr_scale = lr_scale
        self.noise_weight_init = noise_weight_init
        self.generator_steps = generator_steps
        self.discriminator_steps = discriminator_steps
        self.gp_weight = gp_weight
        self.recon_weight = recon_weight
        self.test_pkl_data = test_pkl_data
        self.fixed_noises: List[torch.Tensor] = []
        self.noise_weights: List[float] = []

    # ------------------------------------------------------------ state
    @property
    def current_scale(self) -> int:
        """The last scale started (-1 before training)."""
        return len(self.fixed_noises) - 1

    @property
    def sizes(self) -> List[tuple]:
        """Output ``(H, W)`` of every started scale, from the fixed noises."""
        return [tuple(n.shape[-2:]) for n in self.fixed_noises]

    @property
    def first_trained_scale(self) -> int:
        """The lowest generator scale that learns with the current one."""
        return max(0, self.current_scale - self.num_concurrent + 1)

    def noise_shape(self, scale: int, size: Sequence[int]) -> tuple:
        """``(C, H, W)`` of the noise of ``scale`` at output ``size``."""
        raise NotImplementedError

    def noise_channels(self, scale: int) -> int:
        """Channels of the noise at ``scale``."""
        return self.noise_shape(scale, (1, 1))[0]

    def scale_modules(self, net: str) -> List[nn.Module]:
        """The per-scale networks of ``'generator'`` or ``'discriminator'``.

        Args:
            net (str): Which network.

        Returns:
            list[nn.Module]: One module per scale, coarsest first.
        """
        return list(getattr(self, net).blocks)

    # -------------------------------------------------------- optimizers
    def concurrent_rates(self, scale: int) -> Dict[int, float]:
        """Generator scales that learn while ``scale`` trains, with rates.

        Args:
            scale (int): The scale in training.

        Returns:
            dict[int, float]: ``{s: lr_scale ** (scale - s)}`` for the last
            ``num_concurrent`` scales up to ``scale``.
        """
        first = max(0, scale - self.num_concurrent + 1)
        return {s: self.lr_scale**(scale - s) for s in range(first, scale + 1)}

    def optimizer_groups(self, net: str, scale: int) -> List[dict]:
        """Parameter groups of the optimizer ``{net}_{scale}``.

        Args:
            net (str): ``'generator'`` or ``'discriminator'``.
            scale (int): The scale.

        Returns:
            list[dict]: ``params`` (list) and ``lr_mult`` (float, times the
            configured rate), optionally ``name``. Here: one group, the
            scale's module at the configured rate.
        """
        return [dict(params=list(self.scale_modules(net)[scale].parameters()),
                     lr_mult=1.0)]

    def generator_lrs(self) -> Dict[int, float]:
        """Generator optimizers that step now, with their rate multipliers.

        Returns:
            dict[int, float]: ``{s: multiplier}`` for ``generator_{s}``;
            here one optimizer per learning scale,
            :meth:`concurrent_rates` of the current scale.
        """
        return self.concurrent_rates(self.current_scale)

    def trained_modules(self) -> Dict[str, nn.Module]:
        """The networks that learn at the current scale, by state-dict name."""
        raise NotImplementedError

    def _set_trainable(self) -> None:
        """Only what learns has gradients; the rest runs in eval mode.

        Eval mode keeps the BatchNorm statistics of the finished scales.
        """
        for net in (self.generator, self.discriminator):
            net.requires_grad_(False)
            net.train(False)
        for module in self.trained_modules().values():
            module.requires_grad_(True)
            module.train(self.training)

    def train(self, mode: bool = True) -> 'MultiScaleGAN':
        """Set train/eval mode, keeping frozen scales in eval mode."""
        super().train(mode)
        if self.current_scale >= 0:
            self._set_trainable()
        return self

    def _check_next(self, scale: int) -> None:
        """Scales start in order."""
        if scale != self.current_scale + 1:
            word = self.scale_word
            raise RuntimeError(f'Cannot start {word} {scale} after {word} '
                               f'{self.current_scale}; {word}s train in '
                               'order.')

    # --------------------------------------------------------- training
    def train_step(self, data: dict, optim_wrapper) -> Dict[str, torch.Tensor]:
        """One paper iteration at the current scale: D steps, then G steps.

        Args:
            data (dict): ``real_scale{i}`` tensors of shape
                ``(1, C, H_i, W_i)``, from ``SinGANDataset``.
            optim_wrapper (ScaleOptimizers): Set to the current scale by the
                train loop; updates its critic and generator(s).

        Returns:
            dict[str, torch.Tensor]: Losses of the last steps, for the log.
        """
        scale = self.current_scale
        if scale < 0:
            raise RuntimeError(f'No {self.scale_word} started: train '
                               f'{type(self).__name__} with '
                               "train_cfg=dict(type='SinGANTrainLoop').")
        real = self.data_preprocessor(data, True)[f'real_scale{scale}']
        log_vars = self._iteration(real, optim_wrapper)
        log_vars['scale'] = torch.tensor(float(scale))
        return log_vars

    def _iteration(self, real: torch.Tensor, optim_wrapper) -> dict:
        """The critic and generator steps of one iteration; their losses."""
        raise NotImplementedError

    def _critic(self) -> nn.Module:
        """The critic of the current scale."""
        return self.scale_modules('discriminator')[self.current_scale]

    def _critic_step(self, real: torch.Tensor, fake: torch.Tensor,
                     optim_wrapper) -> dict:
        """One WGAN-GP critic step on a detached fake; returns its losses."""
        critic = self._critic()
        loss_real = -critic(real).mean()
        loss_fake = critic(fake).mean()
        loss_gp = gradient_penalty(critic, real, fake)
        optim_wrapper.update_discriminator(loss_real + loss_fake +
                                           self.gp_weight * loss_gp)
        return dict(loss_d_real=loss_real.detach(),
                    loss_d_fake=loss_fake.detach(),
                    loss_gp=loss_gp.detach())

    def _generator_update(self, real: torch.Tensor, fake: torch.Tensor,
                          recon: torch.Tensor, optim_wrapper,
                          steps: int = 1) -> dict:
        """Adversarial + reconstruction loss, one backward, ``steps`` steps.

        The critic is frozen meanwhile: its weight gradients of a generator
        step were never used (zeroed before the next critic step).
        """
        critic = self._critic()
        critic.requires_grad_(False)
        try:
            loss_gan = -critic(fake).mean()
            loss_mse = reconstruction_loss(recon, real)
            optim_wrapper.update_generators(
                loss_gan + self.recon_weight * loss_mse, steps=steps)
        finally:
            critic.requires_grad_(True)
        return dict(loss_gan=loss_gan.detach(), loss_mse=loss_mse.detach())

    # ---------------------------------------------------------- sampling
    @torch.no_grad()
    def generate(self,
                 noises: Sequence[Optional[torch.Tensor]],
                 sizes: Optional[Sequence[Sequence[int]]] = None,
                 start_image: Optional[torch.Tensor] = None,
                 start_scale: int = 0,
                 num: int = 1,
                 return_all: bool = False):
        """Run the trained scales coarse to fine, every one in eval mode.

        The one entry point to the generator for sampling, reconstruction
        and the applications (injection at a scale, arbitrary sizes).

        Args:
            noises (Sequence[torch.Tensor | None]): Noise per scale, of
                :meth:`noise_shape` with a batch dimension; ``None`` draws
                fresh noise there. The pass ends at scale
                ``len(noises) - 1``.
            sizes (Sequence, optional): Output ``(H, W)`` per scale;
                ``None``: the training sizes.
            start_image (torch.Tensor, optional): Image injected at
                ``start_scale`` as its input from below, at that scale's
                size. ``None``: zeros.
            start_scale (int): First scale to run.
            num (int): Number of samples where every noise is ``None``.
            return_all (bool): Also return the output of every scale run.

        Returns:
            torch.Tensor | tuple: ``(N, C, H, W)`` in [-1, 1]; with
            ``return_all``, ``(output, outputs_per_scale)``.
        """
        last = len(noises) - 1
        if not 0 <= start_scale <= last <= self.current_scale:
            word = self.scale_word
            raise ValueError(
                f'Cannot run {word}s {start_scale}..{last}: the model has '
                f'{word}s 0..{self.current_scale}.')
        was_training = self.training
        self.train(False)
        try:
            return self._generate(noises, sizes, start_image, start_scale,
                                  num, return_all)
        finally:
            self.train(was_training)

    def _generate(self, noises, sizes, start_image, start_scale, num,
                  return_all):
        """:meth:`generate` once its arguments are checked (eval mode)."""
        raise NotImplementedError

    def _draw_noises(self, num: int, sizes: Sequence[Sequence[int]],
                     device=None, generator: Optional[torch.Generator] = None,
                     last: Optional[int] = None) -> List[torch.Tensor]:
        """Fresh standard normal noise for scales ``0..last``."""
        last = self.current_scale if last is None else last
        device = self.fixed_noises[0].device if device is None else device
        return [
            torch.randn(num, *self.noise_shape(s, sizes[s]), device=device,
                        generator=generator) for s in range(last + 1)
        ]

    def sample(self, num: int = 1, scale: Optional[int] = None,
               sizes: Optional[Sequence[Sequence[int]]] = None,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Random samples, in eval mode, from noise.

        Args:
            num (int): Number of samples, drawn in one batch.
            scale (int, optional): Last scale to run; ``None``: current.
            sizes (Sequence, optional): Output ``(H, W)`` per scale;
                ``None``: the training sizes.
            generator (torch.Generator, optional): Random source for the
                noise.

        Returns:
            torch.Tensor: ``(num, C, H, W)`` in [-1, 1].
        """
        sizes = self.sizes if sizes is None else sizes
        noises = self._draw_noises(num, sizes, generator=generator,
                                   last=scale)
        return self.generate(noises, sizes)

    def reconstruct(self, scale: Optional[int] = None) -> torch.Tensor:
        """The reconstruction of the training image from the fixed noises.

        Args:
            scale (int, optional): Last scale to run; ``None``: current.

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
            raise ValueError(f'{type(self).__name__}.forward supports '
                             f"mode='tensor', got {mode!r}; training goes "
                             'through train_step.')
        return self.sample(num_batches)

    # ------------------------------------------------------- inference state
    def export_inference_state(self) -> dict:
        """Fixed noises, noise amplitudes and scale, as mmagic's pickles.

        Returns:
            dict: ``fixed_noises`` (list of float32 ``(1, C, H, W)`` arrays),
            ``noise_weights`` (list of float), ``curr_stage`` (int, the
            current scale under mmagic's name).
        """
        return dict(
            fixed_noises=[
                n.detach().cpu().float().numpy() for n in self.fixed_noises
            ],
            noise_weights=[float(w) for w in self.noise_weights],
            curr_stage=int(self.current_scale))

    def _noise_spec(self, scale: int) -> NoiseSpec:
        """What the fixed noise of ``scale`` must look like (for loading)."""
        raise NotImplementedError

    def load_inference_state(self, state: dict,
                             source: str = 'the pickle') -> None:
        """Restore fixed noises, noise amplitudes and scale.

        Args:
            state (dict): As returned by :meth:`export_inference_state`.
            source (str): Where it came from, for error messages.

        Returns:
            None
        """
        specs = [self._noise_spec(s)
                 for s in range(len(self.scale_modules('generator')))]
        noises, weights, _ = validate_inference_state(
            state, specs, source, type(self).__name__, self.scale_word)
        device = next(self.parameters()).device
        self.fixed_noises = [
            torch.as_tensor(np.asarray(n, dtype=np.float32)).to(device)
            for n in noises
        ]
        self.noise_weights = weights
        # Modes first: the finished scales must run in eval mode, or their
        # BatchNorm statistics would change (and resuming would drift).
        self._set_trainable()
