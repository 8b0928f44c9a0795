"""ConSinGAN-style concurrent training (Hinz et al., WACV 2021).

The generator's last ``num_concurrent`` scales train together, end to end:
the current scale at the full learning rate, each scale below it at
``lr_scale`` times the rate of the one above. The critic, the losses, the
noise amplitudes and the pickle layout are SinGAN's, so ``tools/test.py``
samples a ConSinGAN model like any other.

Note:
    - ConSinGAN also changes the pyramid (fewer, more spread scales) and the
      iteration count; those live in the config
      (``configs/singan/singan_balloons_fast.py``).
    - The reconstruction that sets a new scale's noise amplitude runs in
      eval mode, as sampling does, so it leaves the BatchNorm statistics of
      the still-training scales untouched.
"""
from typing import List

import torch
from mmengine.optim import OptimWrapperDict

from ..ops.cascade import run_cascade, upsample
from ..ops.losses import reconstruction_loss
from ..registry import MODELS
from .singan import SinGAN

__all__ = ['ConSinGAN']


@MODELS.register_module()
class ConSinGAN(SinGAN):
    """SinGAN whose last ``num_concurrent`` generator scales train together.

    Args:
        num_concurrent (int): Generator scales trained at once (>= 1; 1 is
            SinGAN's schedule). Defaults to 3, ConSinGAN's.
        lr_scale (float): Learning-rate factor per scale below the current.
            Defaults to 0.1, ConSinGAN's.
        **kwargs: The arguments of :class:`SinGAN`.
    """

    def __init__(self, num_concurrent: int = 3, lr_scale: float = 0.1,
                 **kwargs) -> None:
        if num_concurrent < 1:
            raise ValueError(f'num_concurrent={num_concurrent} must be >= 1.')
        super().__init__(**kwargs)
        self.num_concurrent = num_concurrent
        self.lr_scale = lr_scale
        self._recon_base = None
        self._generator_wrappers: List = []

    @property
    def base_stage(self) -> int:
        """The lowest generator scale that trains with the current one."""
        return max(0, self.curr_stage - self.num_concurrent + 1)

    def _set_trainable_scale(self) -> None:
        """Generator scales ``base..curr`` and critic ``curr`` learn."""
        for scale, block in enumerate(self.generator.blocks):
            learns = self.base_stage <= scale <= self.curr_stage
            block.requires_grad_(learns)
            block.train(learns and self.training)
        for scale, block in enumerate(self.discriminator.blocks):
            block.requires_grad_(scale == self.curr_stage)
            block.train(scale == self.curr_stage and self.training)

    @torch.no_grad()
    def _reconstruction_from_below(self, stage: int) -> torch.Tensor:
        """As SinGAN's, with every generator scale in eval mode."""
        modes = [block.training for block in self.generator.blocks]
        self.generator.blocks.train(False)
        try:
            recon = super()._reconstruction_from_below(stage)
            base = max(0, stage - self.num_concurrent + 1)
            self._recon_base = super()._reconstruction_from_below(base)
        finally:
            for block, mode in zip(self.generator.blocks, modes):
                block.train(mode)
        return recon

    @torch.no_grad()
    def _random_from_below(self, stage: int, num: int = 1) -> torch.Tensor:
        """Random input of the base scale (the frozen scales' output)."""
        base = max(0, stage - self.num_concurrent + 1)
        if base == 0:
            return torch.zeros(num, 3, *self.sizes[0],
                               device=self._recon_prev.device)
        sample = run_cascade(self.generator.blocks[:base], [None] * base,
                             self.noise_weights, self.sizes, num=num,
                             align_corners=self.generator.align_corners)
        return upsample(sample, self.sizes[base],
                        self.generator.align_corners)

    def _fake(self, noise: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """A fake through the concurrent scales; ``prev`` enters the base."""
        stage = self.curr_stage
        noises = [None] * stage + [noise]  # fresh noise below the current
        return run_cascade(self.generator.blocks[:stage + 1], noises,
                           self.noise_weights, self.sizes, start_image=prev,
                           start_scale=self.base_stage,
                           align_corners=self.generator.align_corners)

    def _iteration(self, stage: int, real: torch.Tensor,
                   optim_wrapper: OptimWrapperDict) -> dict:
        """SinGAN's iteration; G steps update every concurrent scale."""
        self._generator_wrappers = self._concurrent_wrappers(optim_wrapper)
        return super()._iteration(stage, real, optim_wrapper)

    def _concurrent_wrappers(self, optim_wrapper) -> List:
        """Wrappers of scales ``base..curr``, learning rates set."""
        current = optim_wrapper[f'generator_{self.curr_stage}']
        group = current.param_groups[0]
        factor = group['lr'] / group.get('initial_lr', group['lr'])
        wrappers = []
        for scale in range(self.base_stage, self.curr_stage + 1):
            wrapper = optim_wrapper[f'generator_{scale}']
            for g in wrapper.param_groups:
                g.setdefault('initial_lr', g['lr'])
                g['lr'] = g['initial_lr'] * factor * self.lr_scale**(
                    self.curr_stage - scale)
            wrappers.append(wrapper)
        return wrappers

    def _generator_step(self, real, noise, prev, optim_wrapper) -> dict:
        """Adversarial + reconstruction loss through the concurrent scales."""
        stage = self.curr_stage
        critic = self.discriminator.blocks[stage]
        critic.requires_grad_(False)
        loss_gan = -critic(self._fake(noise, prev)).mean()
        recon = run_cascade(self.generator.blocks[:stage + 1],
                            self.fixed_noises, self.noise_weights, self.sizes,
                            start_image=self._recon_base,
                            start_scale=self.base_stage,
                            align_corners=self.generator.align_corners)
        loss_mse = reconstruction_loss(recon, real)
        loss = loss_gan + self.recon_weight * loss_mse
        wrappers = self._generator_wrappers
        wrappers[-1].backward(loss)
        for wrapper in wrappers:
            wrapper.step()
            wrapper.zero_grad()
        critic.requires_grad_(True)
        return dict(loss_gan=loss_gan.detach(), loss_mse=loss_mse.detach())
