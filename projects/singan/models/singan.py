"""SinGAN: the model of one image, trained one scale at a time.

The train loop (``engine/loops.py``) calls :meth:`SinGAN.start_scale` when a
scale begins and :meth:`SinGAN.train_step` for each of its iterations: the
critic steps, then the generator steps, of the paper. What changes between
scales (fixed noises, noise amplitudes) lives here as explicit state,
exported with :meth:`export_inference_state` and restored with
:meth:`load_inference_state`; the current scale is the last one started.

Concurrent training (ConSinGAN, Hinz et al. 2021) is one parameter of the
same iteration: ``num_concurrent`` generator scales learn together, end to
end, each below the current at ``lr_scale`` times the rate of the one above.
SinGAN is ``num_concurrent=1``.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from .. import paper
from ..ops.cascade import run_cascade, upsample
from ..ops.losses import gradient_penalty, reconstruction_loss
from ..ops.noise import draw_noise, noise_amplitude, noise_channels
from ..registry import MODELS
from .inference_state import validate_inference_state

__all__ = ['SinGAN']


@MODELS.register_module()
class SinGAN(BaseModel):
    """SinGAN (Shaham et al., ICCV 2019).

    Args:
        generator (dict): Config of ``SinGANMultiScaleGenerator``.
        discriminator (dict): Config of ``SinGANMultiScaleDiscriminator``.
        num_scales (int, optional): Index of the finest scale; ``None`` takes
            the generator's.
        noise_weight_init (float): Noise amplitude = this x RMSE of the
            reconstruction from below. Defaults to 0.1.
        generator_steps (int): Generator steps per iteration. Defaults to 3.
        discriminator_steps (int): Critic steps per iteration. Defaults to 3.
        gp_weight (float): Gradient-penalty weight. Defaults to 0.1.
        recon_weight (float): Reconstruction-loss weight. Defaults to 10.
        num_concurrent (int): Generator scales that learn together (1:
            SinGAN; ConSinGAN: 3). Defaults to 1.
        lr_scale (float): Learning-rate factor per concurrent scale below the
            current one (ConSinGAN: 0.1). Defaults to 0.1.
        test_pkl_data (str, optional): Pickle of fixed noises and noise
            amplitudes used by ``tools/test.py`` (mmagic's key).
        data_preprocessor (dict, optional): ``None``: move data to device.
        init_cfg (dict, optional): Unused; blocks initialise themselves.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 num_scales: Optional[int] = None,
                 noise_weight_init: float = 0.1,
                 generator_steps: int = paper.GENERATOR_STEPS,
                 discriminator_steps: int = paper.DISCRIMINATOR_STEPS,
                 gp_weight: float = 0.1,
                 recon_weight: float = 10.0,
                 num_concurrent: int = 1,
                 lr_scale: float = 0.1,
                 test_pkl_data: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        for name, value in (('generator_steps', generator_steps),
                            ('discriminator_steps', discriminator_steps),
                            ('num_concurrent', num_concurrent)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name}={value!r} must be an integer >= 1 '
                                 '(the paper uses 3 steps; SinGAN trains 1 '
                                 'scale at a time, ConSinGAN 3).')
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.num_scales = self.generator.num_scales if num_scales is None \
            else num_scales
        self.noise_weight_init = noise_weight_init
        self.generator_steps = generator_steps
        self.discriminator_steps = discriminator_steps
        self.gp_weight = gp_weight
        self.recon_weight = recon_weight
        self.num_concurrent = num_concurrent
        self.lr_scale = lr_scale
        self.test_pkl_data = test_pkl_data
        self.fixed_noises: List[torch.Tensor] = []
        self.noise_weights: List[float] = []
        self._recon_from_below: Optional[torch.Tensor] = None

    # ------------------------------------------------------------ state
    @property
    def current_scale(self) -> int:
        """The last scale started (-1 before training)."""
        return len(self.fixed_noises) - 1

    @property
    def sizes(self) -> List[tuple]:
        """``(H, W)`` of every started scale, from the fixed noises."""
        return [tuple(n.shape[-2:]) for n in self.fixed_noises]

    @property
    def first_trained_scale(self) -> int:
        """The lowest generator scale that learns with the current one."""
        return max(0, self.current_scale - self.num_concurrent + 1)

    def noise_channels(self, scale: int) -> int:
        """Channels of the noise at ``scale`` (1 at the coarsest, else 3)."""
        return noise_channels(scale, self.generator.out_channels)

    def noise_shape(self, scale: int, size: Sequence[int]) -> tuple:
        """``(C, H, W)`` of the noise of ``scale`` at output ``size``."""
        return (self.noise_channels(scale), *size)

    def scale_modules(self, net: str) -> List[nn.Module]:
        """The per-scale networks of ``'generator'`` or ``'discriminator'``.

        Args:
            net (str): Which network.

        Returns:
            list[nn.Module]: One module per scale, coarsest first.
        """
        return list(getattr(self, net).blocks)

    def generator_lrs(self) -> Dict[int, float]:
        """Generator scales that learn now, with learning-rate multipliers."""
        current = self.current_scale
        return {
            scale: self.lr_scale**(current - scale)
            for scale in range(self.first_trained_scale, current + 1)
        }

    def trained_modules(self) -> Dict[str, nn.Module]:
        """The networks that learn at the current scale, by state-dict name."""
        current = self.current_scale
        modules = {
            f'generator.blocks.{s}': self.generator.blocks[s]
            for s in self.generator_lrs()
        }
        modules[f'discriminator.blocks.{current}'] = \
            self.discriminator.blocks[current]
        return modules

    # ----------------------------------------------------------- scales
    def start_scale(self, scale: int, reals: Sequence[torch.Tensor]) -> None:
        """Freeze the finished scales and prepare ``scale`` for training.

        Copies the weights of the scale below where the widths match, draws
        the scale's fixed noise (noise at the coarsest, zeros above) and
        sets its noise amplitude from the reconstruction error from below.

        Args:
            scale (int): The scale to train next; must follow the current.
            reals (Sequence[torch.Tensor]): Real image per scale,
                ``(1, C, H_s, W_s)``, coarsest first.

        Returns:
            None
        """
        if scale != self.current_scale + 1:
            raise RuntimeError(f'Cannot start scale {scale} after scale '
                               f'{self.current_scale}; scales train in order.')
        real = reals[scale]
        self.generator.copy_from_previous(scale)
        self.discriminator.copy_from_previous(scale)
        fixed = draw_noise(1, self.noise_channels(scale), real.shape[-2:],
                           real.device)
        self.fixed_noises.append(fixed if scale == 0 else fixed.zero_())
        self._set_trainable_scale()
        below = self._eval_reconstruction_from_below(scale)
        self.noise_weights.append(1.0 if scale == 0 else noise_amplitude(
            real, below, self.noise_weight_init))
        first = self.first_trained_scale
        self._recon_from_below = below if first == scale else \
            self._eval_reconstruction_from_below(first)

    def _set_trainable_scale(self) -> None:
        """Only the trained scales learn; the others run in eval mode."""
        trained = set(self.trained_modules().values())
        for net in (self.generator, self.discriminator):
            for block in net.blocks:
                block.requires_grad_(block in trained)
                block.train(block in trained and self.training)

    def train(self, mode: bool = True) -> 'SinGAN':
        """Set train/eval mode, keeping frozen scales in eval mode."""
        super().train(mode)
        if self.current_scale >= 0:
            self._set_trainable_scale()
        return self

    @torch.no_grad()
    def _eval_reconstruction_from_below(self, scale: int) -> torch.Tensor:
        """Reconstruction of the scales below ``scale``, at its size.

        Runs every generator scale in eval mode, as sampling does, so it
        leaves the BatchNorm statistics of the learning scales untouched.
        """
        size = self.sizes[scale]
        if scale == 0:
            return torch.zeros(1, self.generator.out_channels, *size,
                               device=self.fixed_noises[0].device)
        recon = self.generate(self.fixed_noises[:scale])
        return upsample(recon, size, self.generator.align_corners)

    @torch.no_grad()
    def _random_from_below(self, scale: int, num: int) -> torch.Tensor:
        """``num`` random samples of the scales below ``scale``, at its size.

        The scales below run in eval mode, so a batch of ``num`` equals
        ``num`` separate calls.
        """
        if scale == 0:
            return torch.zeros(num, self.generator.out_channels,
                               *self.sizes[0],
                               device=self.fixed_noises[0].device)
        sample = self.generate([None] * scale, num=num)
        return upsample(sample, self.sizes[scale],
                        self.generator.align_corners)

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
            raise RuntimeError('No scale started: train SinGAN with '
                               "train_cfg=dict(type='SinGANTrainLoop').")
        real = self.data_preprocessor(data, True)[f'real_scale{scale}']
        # The authors draw the noise once per iteration and the input from
        # the coarser scales once per critic step: all those inputs are
        # drawn here in one batch (the frozen scales run in eval mode, so
        # the batch changes no result); the generator steps reuse the last.
        noise = draw_noise(1, self.noise_channels(scale), real.shape[-2:],
                           real.device)
        prevs = self._random_from_below(self.first_trained_scale,
                                        self.discriminator_steps)
        log_vars = {}
        for step in range(self.discriminator_steps):
            log_vars.update(
                self._discriminator_step(real, noise, prevs[step:step + 1],
                                         optim_wrapper))
        for _ in range(self.generator_steps):
            log_vars.update(
                self._generator_step(real, noise, prevs[-1:], optim_wrapper))
        log_vars['scale'] = torch.tensor(float(scale))
        return log_vars

    def _fake(self, noise: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """A fake at the current scale through the learning scales.

        ``prev`` enters the first learning scale; the learning scales below
        the current draw fresh noise.
        """
        scale = self.current_scale
        return self._cascade([None] * scale + [noise], prev,
                             self.first_trained_scale)

    def _discriminator_step(self, real, noise, prev, optim_wrapper) -> dict:
        """One WGAN-GP critic step; returns its losses."""
        critic = self.discriminator.blocks[self.current_scale]
        with torch.no_grad():
            fake = self._fake(noise, prev)
        loss_real = -critic(real).mean()
        loss_fake = critic(fake).mean()
        loss_gp = gradient_penalty(critic, real, fake)
        optim_wrapper.update_discriminator(loss_real + loss_fake +
                                           self.gp_weight * loss_gp)
        return dict(loss_d_real=loss_real.detach(),
                    loss_d_fake=loss_fake.detach(),
                    loss_gp=loss_gp.detach())

    def _generator_step(self, real, noise, prev, optim_wrapper) -> dict:
        """One generator step: adversarial + reconstruction loss."""
        critic = self.discriminator.blocks[self.current_scale]
        # Same maths as the authors: the critic's weight gradients of the
        # generator step were never used (zeroed before the next D step).
        critic.requires_grad_(False)
        loss_gan = -critic(self._fake(noise, prev)).mean()
        recon = self._cascade(self.fixed_noises, self._recon_from_below,
                              self.first_trained_scale)
        loss_mse = reconstruction_loss(recon, real)
        optim_wrapper.update_generators(loss_gan +
                                        self.recon_weight * loss_mse)
        critic.requires_grad_(True)
        return dict(loss_gan=loss_gan.detach(), loss_mse=loss_mse.detach())

    def _cascade(self, noises, start_image, start_scale) -> torch.Tensor:
        """The learning scales in their current modes (training)."""
        return run_cascade(self.generator.blocks[:self.current_scale + 1],
                           noises, self.noise_weights, self.sizes,
                           start_image=start_image, start_scale=start_scale,
                           align_corners=self.generator.align_corners)

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

        The one entry point to the cascade for sampling, reconstruction and
        the applications (injection at a scale, arbitrary sizes).

        Args:
            noises (Sequence[torch.Tensor | None]): Noise per scale,
                ``(N, noise_channels(s), H_s, W_s)``; ``None`` draws fresh
                noise there. The pass ends at scale ``len(noises) - 1``.
            sizes (Sequence, optional): ``(H, W)`` per scale; ``None``: the
                training sizes.
            start_image (torch.Tensor, optional): Image injected at
                ``start_scale`` as its input from below, at that scale's
                size. ``None``: zeros.
            start_scale (int): First scale to run.
            num (int): Number of samples when ``start_image`` is ``None``.
            return_all (bool): Also return the output of every scale run.

        Returns:
            torch.Tensor | tuple: ``(N, C, H, W)`` in [-1, 1]; with
            ``return_all``, ``(output, outputs_per_scale)``.
        """
        last = len(noises) - 1
        if not 0 <= start_scale <= last <= self.current_scale:
            raise ValueError(
                f'Cannot run scales {start_scale}..{last}: the model has '
                f'scales 0..{self.current_scale}.')
        was_training = self.training
        self.train(False)
        try:
            return run_cascade(
                self.generator.blocks[:last + 1], noises, self.noise_weights,
                self.sizes if sizes is None else sizes,
                start_image=start_image, start_scale=start_scale, num=num,
                align_corners=self.generator.align_corners,
                return_all=return_all)
        finally:
            self.train(was_training)

    def sample(self, num: int = 1, scale: Optional[int] = None,
               sizes: Optional[Sequence[Sequence[int]]] = None,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Random samples, in eval mode, from noise.

        Args:
            num (int): Number of samples, drawn in one batch.
            scale (int, optional): Last scale to run; ``None``: current.
            sizes (Sequence, optional): ``(H, W)`` per scale; ``None``: the
                training sizes.
            generator (torch.Generator, optional): Random source for the noise.

        Returns:
            torch.Tensor: ``(num, C, H, W)`` in [-1, 1].
        """
        scale = self.current_scale if scale is None else scale
        sizes = self.sizes if sizes is None else sizes
        device = self.fixed_noises[0].device
        noises = [
            draw_noise(num, self.noise_channels(s), sizes[s], device,
                       generator) for s in range(scale + 1)
        ]
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
            raise ValueError(f"SinGAN.forward supports mode='tensor', got "
                             f'{mode!r}; training goes through train_step.')
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

    def load_inference_state(self, state: dict,
                             source: str = 'the pickle') -> None:
        """Restore fixed noises, noise amplitudes and scale.

        Args:
            state (dict): As returned by :meth:`export_inference_state`.
            source (str): Where it came from, for error messages.

        Returns:
            None
        """
        noises, weights, _ = validate_inference_state(state, self.generator,
                                                      source)
        device = next(self.parameters()).device
        self.fixed_noises = [
            torch.as_tensor(np.asarray(n, dtype=np.float32)).to(device)
            for n in noises
        ]
        self.noise_weights = weights
        # Modes first: the finished scales must run in eval mode, or their
        # BatchNorm statistics would change (and resuming would drift).
        self._set_trainable_scale()
        self._recon_from_below = self._eval_reconstruction_from_below(
            self.first_trained_scale)
