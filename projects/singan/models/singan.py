"""SinGAN: the model of one image, trained one scale at a time.

The train loop (``engine/loops.py``) calls :meth:`SinGAN.start_scale` when a
scale begins and :meth:`SinGAN.train_step` for each of its iterations: the
critic steps, then the generator steps, of the paper. The state that grows
with the scales, sampling and the inference state are ConSinGAN's too
(``models/base.py``); here are SinGAN's networks: one generator and one
critic per scale, passing images up the cascade.

Concurrent training (ConSinGAN, Hinz et al. 2021) is one parameter of the
same iteration: ``num_concurrent`` generator scales learn together, end to
end, each below the current at ``lr_scale`` times the rate of the one above.
SinGAN is ``num_concurrent=1``.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn

from .. import paper
from ..ops.cascade import run_cascade, upsample
from ..ops.noise import draw_noise, noise_amplitude, noise_channels
from ..registry import MODELS
from .base import MultiScaleGAN
from .inference_state import NoiseSpec

__all__ = ['SinGAN']


@MODELS.register_module()
class SinGAN(MultiScaleGAN):
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
        super().__init__(generator, discriminator, num_scales,
                         num_concurrent, lr_scale, noise_weight_init,
                         generator_steps, discriminator_steps, gp_weight,
                         recon_weight, test_pkl_data, data_preprocessor)
        self._recon_from_below: Optional[torch.Tensor] = None

    # ------------------------------------------------------------ state
    def noise_shape(self, scale: int, size: Sequence[int]) -> tuple:
        """``(C, H, W)`` of the noise of ``scale`` at output ``size``.

        ``C`` is 1 at the coarsest scale (broadcast over the colours), else
        the image's channels.
        """
        return (noise_channels(scale, self.generator.out_channels), *size)

    def trained_modules(self) -> Dict[str, nn.Module]:
        """The networks that learn at the current scale, by state-dict name."""
        current = self.current_scale
        modules = {
            f'generator.blocks.{s}': self.generator.blocks[s]
            for s in self.concurrent_rates(current)
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
        self._check_next(scale)
        real = reals[scale]
        self.generator.copy_from_previous(scale)
        self.discriminator.copy_from_previous(scale)
        fixed = draw_noise(1, self.noise_channels(scale), real.shape[-2:],
                           real.device)
        self.fixed_noises.append(fixed if scale == 0 else fixed.zero_())
        self._set_trainable()
        below = self._eval_reconstruction_from_below(scale)
        self.noise_weights.append(1.0 if scale == 0 else noise_amplitude(
            real, below, self.noise_weight_init))
        first = self.first_trained_scale
        self._recon_from_below = below if first == scale else \
            self._eval_reconstruction_from_below(first)

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
    def _iteration(self, real: torch.Tensor, optim_wrapper) -> dict:
        """``discriminator_steps`` critic steps, then the generator steps."""
        scale = self.current_scale
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
            with torch.no_grad():
                fake = self._fake(noise, prevs[step:step + 1])
            log_vars.update(self._critic_step(real, fake, optim_wrapper))
        for _ in range(self.generator_steps):
            fake = self._fake(noise, prevs[-1:])
            recon = self._cascade(self.fixed_noises, self._recon_from_below,
                                  self.first_trained_scale)
            log_vars.update(
                self._generator_update(real, fake, recon, optim_wrapper))
        return log_vars

    def _fake(self, noise: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """A fake at the current scale through the learning scales.

        ``prev`` enters the first learning scale; the learning scales below
        the current draw fresh noise.
        """
        scale = self.current_scale
        return self._cascade([None] * scale + [noise], prev,
                             self.first_trained_scale)

    def _cascade(self, noises, start_image, start_scale) -> torch.Tensor:
        """The learning scales in their current modes (training)."""
        return run_cascade(self.generator.blocks[:self.current_scale + 1],
                           noises, self.noise_weights, self.sizes,
                           start_image=start_image, start_scale=start_scale,
                           align_corners=self.generator.align_corners)

    # ---------------------------------------------------------- sampling
    def _generate(self, noises, sizes, start_image, start_scale, num,
                  return_all):
        """The cascade of scales ``start_scale..len(noises) - 1``."""
        return run_cascade(
            self.generator.blocks[:len(noises)], noises, self.noise_weights,
            self.sizes if sizes is None else sizes,
            start_image=start_image, start_scale=start_scale, num=num,
            align_corners=self.generator.align_corners,
            return_all=return_all)

    # ------------------------------------------------------- inference state
    def _noise_spec(self, scale: int) -> NoiseSpec:
        """Noise ``(1, C, H, W)``: C is 1 or 3 at the coarsest scale (mmagic
        draws 3), 3 above; at least the 11 px the critic needs."""
        channels = self.generator.out_channels
        return NoiseSpec(
            tuple(sorted({1, channels})) if scale == 0 else (channels, ), 11,
            'the fixed noise of the scale')

    def load_inference_state(self, state: dict,
                             source: str = 'the pickle') -> None:
        """Restore fixed noises, noise amplitudes and scale.

        Args:
            state (dict): As returned by :meth:`export_inference_state`.
            source (str): Where it came from, for error messages.

        Returns:
            None
        """
        super().load_inference_state(state, source)
        self._recon_from_below = self._eval_reconstruction_from_below(
            self.first_trained_scale)
