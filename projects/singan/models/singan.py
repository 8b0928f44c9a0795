"""SinGAN: the model of one image, trained one scale at a time.

The Runner calls :meth:`SinGAN.train_step` once per paper iteration; the
stage hook (``engine/stage_hook.py``) calls :meth:`SinGAN.start_stage` when a
new scale begins. Everything that changes between scales (current stage,
fixed noises, noise amplitudes) lives here as explicit state, exported with
:meth:`export_inference_state` and restored with :meth:`load_inference_state`.
"""
from contextlib import contextmanager
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from ..engine.schedule import ScaleSchedule
from ..ops.cascade import generate_at_scale, run_cascade, upsample
from ..ops.losses import gradient_penalty, reconstruction_loss
from ..ops.noise import draw_noise, noise_amplitude
from ..registry import MODELS
from .inference_state import validate_inference_state

__all__ = ['SinGAN']

#: mmagic config keys that have no meaning here (see docs/mmagic.md).
_IGNORED_MMAGIC_KEYS = ('fixed_noise_with_pad', 'first_fixed_noises_ch',
                        'test_cfg', 'train_cfg', 'ema_confg')


@contextmanager
def _threads_for(real: torch.Tensor, single_thread_pixels: int):
    """One torch thread for a small CPU scale, restored afterwards."""
    before = torch.get_num_threads()
    small = real.device.type == 'cpu' and \
        real.shape[-2] * real.shape[-1] < single_thread_pixels
    if small and before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


@MODELS.register_module()
class SinGAN(BaseModel):
    """SinGAN (Shaham et al., ICCV 2019).

    Args:
        generator (dict): Config of ``SinGANMultiScaleGenerator``.
        discriminator (dict): Config of ``SinGANMultiScaleDiscriminator``.
        num_scales (int, optional): Index of the finest scale; ``None`` takes
            the generator's.
        iters_per_scale (int): Paper iterations per scale. Defaults to 2000.
        noise_weight_init (float): Noise amplitude = this x RMSE of the
            reconstruction from below. Defaults to 0.1.
        generator_steps (int): Generator steps per iteration. Defaults to 3.
        discriminator_steps (int): Critic steps per iteration. Defaults to 3.
        lr_scheduler_args (dict, optional): ``milestones`` and ``gamma`` of
            the per-scale step decay. ``None``: ``([1600], 0.1)``.
        gp_weight (float): Gradient-penalty weight. Defaults to 0.1.
        recon_weight (float): Reconstruction-loss weight. Defaults to 10.
        test_pkl_data (str, optional): Pickle of fixed noises and noise
            amplitudes used by ``tools/test.py`` (mmagic's key).
        data_preprocessor (dict, optional): ``None``: move data to device.
        single_thread_pixels (int): Scales of fewer pixels (H x W) train on
            one CPU thread: their small convolutions are slower on two
            threads, and stall when other processes share the cores
            (docs/speed.md). 0: never. Defaults to 4096.
        init_cfg (dict, optional): Unused; blocks initialise themselves.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 num_scales: Optional[int] = None,
                 iters_per_scale: int = 2000,
                 noise_weight_init: float = 0.1,
                 generator_steps: int = 3,
                 discriminator_steps: int = 3,
                 lr_scheduler_args: Optional[dict] = None,
                 gp_weight: float = 0.1,
                 recon_weight: float = 10.0,
                 test_pkl_data: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 single_thread_pixels: int = 4096,
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        unknown = set(kwargs) - set(_IGNORED_MMAGIC_KEYS)
        if unknown:
            raise TypeError(f'SinGAN got unknown config keys {sorted(unknown)};'
                            ' check their spelling in model=dict(...).')
        super().__init__(data_preprocessor=data_preprocessor)
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        num_scales = self.generator.num_scales if num_scales is None \
            else num_scales
        lr_args = dict(milestones=[1600], gamma=0.1)
        lr_args.update(lr_scheduler_args or {})
        self.schedule = ScaleSchedule(
            num_scales=num_scales,
            iters_per_scale=iters_per_scale,
            milestones=tuple(lr_args['milestones']),
            gamma=lr_args['gamma'],
            discriminator_steps=discriminator_steps,
            generator_steps=generator_steps)
        self.noise_weight_init = noise_weight_init
        self.gp_weight = gp_weight
        self.recon_weight = recon_weight
        self.test_pkl_data = test_pkl_data
        self.single_thread_pixels = single_thread_pixels
        self.curr_stage = -1
        self.fixed_noises: List[torch.Tensor] = []
        self.noise_weights: List[float] = []
        self._recon_prev: Optional[torch.Tensor] = None

    @property
    def num_scales(self) -> int:
        """Index of the finest scale."""
        return self.schedule.num_scales

    @property
    def sizes(self) -> List[tuple]:
        """``(H, W)`` of every started scale, from the fixed noises."""
        return [tuple(n.shape[-2:]) for n in self.fixed_noises]

    # ----------------------------------------------------------- stages
    def start_stage(self, stage: int, reals: Sequence[torch.Tensor]) -> None:
        """Freeze the finished scales and prepare ``stage`` for training.

        Args:
            stage (int): The scale to train next; must follow the current.
            reals (Sequence[torch.Tensor]): Real image per scale,
                ``(1, C, H_s, W_s)``, coarsest first.

        Returns:
            None
        """
        if stage != self.curr_stage + 1:
            raise RuntimeError(f'Cannot start scale {stage} after scale '
                               f'{self.curr_stage}; scales train in order.')
        real = reals[stage]
        self.curr_stage = stage
        self.generator.copy_from_previous(stage)
        self.discriminator.copy_from_previous(stage)
        self._set_trainable_scale()
        channels = 1 if stage == 0 else real.shape[1]
        fixed = draw_noise(1, channels, real.shape[-2:], real.device)
        self.fixed_noises.append(fixed if stage == 0 else fixed.zero_())
        self._recon_prev = self._reconstruction_from_below(stage)
        amplitude = 1.0 if stage == 0 else noise_amplitude(
            real, self._recon_prev, self.noise_weight_init)
        self.noise_weights.append(amplitude)

    def _set_trainable_scale(self) -> None:
        """Only the current scale learns; finished scales run in eval mode."""
        for net in (self.generator, self.discriminator):
            for scale, block in enumerate(net.blocks):
                block.requires_grad_(scale == self.curr_stage)
                block.train(scale == self.curr_stage and self.training)

    def train(self, mode: bool = True) -> 'SinGAN':
        """Set train/eval mode, keeping frozen scales in eval mode."""
        super().train(mode)
        self._set_trainable_scale()
        return self

    @torch.no_grad()
    def _reconstruction_from_below(self, stage: int) -> torch.Tensor:
        """Reconstruction of the scales below ``stage``, at its size."""
        size = self.sizes[stage]
        if stage == 0:
            return torch.zeros(1, 3, *size, device=self.fixed_noises[0].device)
        recon = run_cascade(self.generator.blocks[:stage],
                            self.fixed_noises[:stage], self.noise_weights,
                            self.sizes, align_corners=self.generator.
                            align_corners)
        return upsample(recon, size, self.generator.align_corners)

    @torch.no_grad()
    def _random_from_below(self, stage: int, num: int = 1) -> torch.Tensor:
        """Random samples of the scales below ``stage``, at its size.

        Args:
            stage (int): The scale the samples are input to.
            num (int): Number of independent samples, drawn in one batch.
                The finished scales run in eval mode, so a batch of ``num``
                equals ``num`` separate calls.

        Returns:
            torch.Tensor: ``(num, C, H, W)``.
        """
        if stage == 0:
            return torch.zeros_like(self._recon_prev).expand(
                num, -1, -1, -1).contiguous()
        sample = run_cascade(self.generator.blocks[:stage], [None] * stage,
                             self.noise_weights, self.sizes, num=num,
                             align_corners=self.generator.align_corners)
        return upsample(sample, self.sizes[stage],
                        self.generator.align_corners)

    # --------------------------------------------------------- training
    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One paper iteration at the current scale: D steps, then G steps.

        Args:
            data (dict): ``real_scale{i}`` tensors of shape
                ``(1, C, H_i, W_i)``, from ``SinGANDataset``.
            optim_wrapper (OptimWrapperDict): Holds ``generator_{s}`` and
                ``discriminator_{s}`` for every scale ``s``.

        Returns:
            dict[str, torch.Tensor]: Losses of the last steps, for the log.
        """
        stage = self.curr_stage
        if stage < 0:
            raise RuntimeError('No scale started: train SinGAN with the '
                               'SinGANStageHook in custom_hooks.')
        data = self.data_preprocessor(data, True)
        real = data[f'real_scale{stage}']
        with _threads_for(real, self.single_thread_pixels):
            log_vars = self._iteration(stage, real, optim_wrapper)
        log_vars['scale'] = torch.tensor(float(stage))
        return log_vars

    def _iteration(self, stage: int, real: torch.Tensor,
                   optim_wrapper: OptimWrapperDict) -> dict:
        """The critic steps, then the generator steps, of one iteration."""
        channels = 1 if stage == 0 else real.shape[1]
        # The authors draw the noise once per iteration and the input from
        # the coarser scales once per critic step: all those inputs are
        # drawn here in one batch (the frozen scales run in eval mode, so
        # the batch changes no result); the generator steps reuse the last.
        noise = draw_noise(1, channels, real.shape[-2:], real.device)
        steps = self.schedule.discriminator_steps
        prevs = self._random_from_below(stage, num=max(steps, 1))
        log_vars = {}
        for step in range(steps):
            log_vars.update(
                self._discriminator_step(
                    real, noise, prevs[step:step + 1],
                    optim_wrapper[f'discriminator_{stage}']))
        prev = prevs[-1:]
        for _ in range(self.schedule.generator_steps):
            log_vars.update(
                self._generator_step(real, noise, prev,
                                     optim_wrapper[f'generator_{stage}']))
        return log_vars

    def _fake(self, noise: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """A fake image at the current scale."""
        stage = self.curr_stage
        return generate_at_scale(self.generator.blocks[stage], noise, prev,
                                 self.noise_weights[stage])

    def _discriminator_step(self, real, noise, prev, optim_wrapper) -> dict:
        """One WGAN-GP critic step; returns its losses."""
        stage = self.curr_stage
        critic = self.discriminator.blocks[stage]
        with torch.no_grad():
            fake = self._fake(noise, prev)
        with optim_wrapper.optim_context(critic):
            loss_real = -critic(real).mean()
            loss_fake = critic(fake).mean()
            loss_gp = gradient_penalty(critic, real, fake)
            loss = loss_real + loss_fake + self.gp_weight * loss_gp
        optim_wrapper.update_params(loss)
        return dict(loss_d_real=loss_real.detach(),
                    loss_d_fake=loss_fake.detach(),
                    loss_gp=loss_gp.detach())

    def _generator_step(self, real, noise, prev, optim_wrapper) -> dict:
        """One generator step: adversarial + reconstruction loss."""
        stage = self.curr_stage
        generator = self.generator.blocks[stage]
        critic = self.discriminator.blocks[stage]
        # Same maths as the authors: the critic's weight gradients of the
        # generator step were never used (zeroed before the next D step).
        critic.requires_grad_(False)
        with optim_wrapper.optim_context(generator):
            loss_gan = -critic(self._fake(noise, prev)).mean()
            recon = generate_at_scale(generator, self.fixed_noises[stage],
                                      self._recon_prev,
                                      self.noise_weights[stage])
            loss_mse = reconstruction_loss(recon, real)
            loss = loss_gan + self.recon_weight * loss_mse
        optim_wrapper.update_params(loss)
        critic.requires_grad_(True)
        return dict(loss_gan=loss_gan.detach(), loss_mse=loss_mse.detach())

    # ---------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, num: int = 1, stage: Optional[int] = None,
               sizes: Optional[Sequence[Sequence[int]]] = None,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Random samples, in eval mode, from noise.

        Args:
            num (int): Number of samples, drawn in one batch.
            stage (int, optional): Last scale to run; ``None``: current.
            sizes (Sequence, optional): ``(H, W)`` per scale; ``None``: the
                training sizes.
            generator (torch.Generator, optional): Random source for the noise.

        Returns:
            torch.Tensor: ``(num, C, H, W)`` in [-1, 1].
        """
        stage = self.curr_stage if stage is None else stage
        sizes = self.sizes if sizes is None else sizes
        device = self.fixed_noises[0].device
        noises = [
            draw_noise(num, 1 if s == 0 else 3, sizes[s], device, generator)
            for s in range(stage + 1)
        ]
        return self._run_eval(noises, sizes)

    @torch.no_grad()
    def reconstruct(self, stage: Optional[int] = None) -> torch.Tensor:
        """The reconstruction of the training image from the fixed noises.

        Args:
            stage (int, optional): Last scale to run; ``None``: current.

        Returns:
            torch.Tensor: ``(1, C, H, W)`` in [-1, 1].
        """
        stage = self.curr_stage if stage is None else stage
        return self._run_eval(self.fixed_noises[:stage + 1], self.sizes)

    def _run_eval(self, noises, sizes) -> torch.Tensor:
        """Run the cascade with every block in eval mode, then restore."""
        was_training = self.training
        self.train(False)
        try:
            return run_cascade(self.generator.blocks[:len(noises)], noises,
                               self.noise_weights, sizes,
                               align_corners=self.generator.align_corners)
        finally:
            self.train(was_training)

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
        """Fixed noises, noise amplitudes and stage, as mmagic's pickles.

        Returns:
            dict: ``fixed_noises`` (list of float32 ``(1, C, H, W)`` arrays),
            ``noise_weights`` (list of float), ``curr_stage`` (int).
        """
        return dict(
            fixed_noises=[
                n.detach().cpu().float().numpy() for n in self.fixed_noises
            ],
            noise_weights=[float(w) for w in self.noise_weights],
            curr_stage=int(self.curr_stage))

    def load_inference_state(self, state: dict,
                             source: str = 'the pickle') -> None:
        """Restore fixed noises, noise amplitudes and stage.

        Args:
            state (dict): As returned by :meth:`export_inference_state`.
            source (str): Where it came from, for error messages.

        Returns:
            None
        """
        noises, weights, stage = validate_inference_state(
            state, self.generator, source)
        device = next(self.parameters()).device
        self.fixed_noises = [
            torch.as_tensor(np.asarray(n, dtype=np.float32)).to(device)
            for n in noises
        ]
        self.noise_weights = weights
        self.curr_stage = stage
        # Modes first: the finished scales must run in eval mode, or their
        # BatchNorm statistics would change (and resuming would drift).
        self._set_trainable_scale()
        self._recon_prev = self._reconstruction_from_below(stage)
