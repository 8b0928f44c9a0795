"""The training schedule of SinGAN, stated once.

The paper trains scale after scale: for each scale, ``iters_per_scale``
iterations, each made of ``discriminator_steps`` critic steps and then
``generator_steps`` generator steps; the learning rate drops by ``gamma`` at
each milestone of a scale's own iteration count. One Runner iteration is one
such paper iteration, so ``max_iters = (num_scales + 1) * iters_per_scale``.
"""
from dataclasses import dataclass
from typing import Tuple

__all__ = ['ScaleSchedule']


@dataclass(frozen=True)
class ScaleSchedule:
    """Which scale trains at a global iteration, and at which learning rate.

    Args:
        num_scales (int): Index of the finest scale (``num_scales + 1``
            scales are trained).
        iters_per_scale (int): Paper iterations per scale (2000).
        milestones (tuple[int]): Local iterations at which the learning rate
            is multiplied by ``gamma`` (``(1600,)``).
        gamma (float): Learning-rate factor at each milestone (0.1).
        discriminator_steps (int): Critic steps per iteration (3).
        generator_steps (int): Generator steps per iteration (3).
    """
    num_scales: int
    iters_per_scale: int
    milestones: Tuple[int, ...] = (1600, )
    gamma: float = 0.1
    discriminator_steps: int = 3
    generator_steps: int = 3

    def __post_init__(self) -> None:
        for name in ('iters_per_scale', 'discriminator_steps',
                     'generator_steps'):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f'{name}={value!r} must be a positive '
                                 'integer (the paper uses '
                                 f"{dict(iters_per_scale=2000).get(name, 3)}).")
        if not isinstance(self.num_scales, int) or self.num_scales < 0:
            raise ValueError(f'num_scales={self.num_scales!r} must be an '
                             'integer >= 0; tools/get_num_scales.py prints '
                             'the value for an image.')
        object.__setattr__(self, 'milestones',
                           tuple(int(m) for m in self.milestones))

    @property
    def total_iters(self) -> int:
        """Runner iterations of the whole schedule."""
        return (self.num_scales + 1) * self.iters_per_scale

    def scale_of(self, global_iter: int) -> int:
        """Scale trained at a 0-based global iteration."""
        return min(global_iter // self.iters_per_scale, self.num_scales)

    def local_iter(self, global_iter: int) -> int:
        """0-based iteration within its scale."""
        return global_iter - self.scale_of(global_iter) * self.iters_per_scale

    def is_scale_start(self, global_iter: int) -> bool:
        """Whether a scale starts at this 0-based global iteration."""
        return self.local_iter(global_iter) == 0

    def is_scale_end(self, global_iter: int) -> bool:
        """Whether this 0-based global iteration is the last of its scale."""
        return self.local_iter(global_iter) == self.iters_per_scale - 1

    def lr_factor(self, global_iter: int) -> float:
        """Learning-rate factor at a 0-based global iteration.

        As ``MultiStepLR`` stepped after every iteration of the scale: the
        iteration with local index ``m`` is the first at the lower rate.
        """
        local = self.local_iter(global_iter)
        return self.gamma**sum(local >= m for m in self.milestones)
