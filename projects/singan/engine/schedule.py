"""The training schedule of SinGAN, stated once.

The paper trains scale after scale: ``iters_per_scale`` iterations at each,
the learning rate dropping by ``gamma`` at ``lr_drop_at`` of them (the
authors' ``MultiStepLR(milestones=[1600])`` for 2000). One Runner iteration
is one paper iteration, so ``max_iters = (num_scales + 1) * iters_per_scale``.
The train loop owns the schedule; which scale trains is the loop's state,
not something derived from the global iteration.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from .. import paper

__all__ = ['ScaleSchedule']


@dataclass(frozen=True)
class ScaleSchedule:
    """How many iterations each scale gets, and at which learning rate.

    Args:
        num_scales (int): Index of the finest scale (``num_scales + 1``
            scales are trained).
        iters_per_scale (int): Iterations per scale (the paper: 2000).
        lr_drop_at (float): Fraction of a scale's iterations after which the
            learning rate is multiplied by ``gamma`` (the paper: 0.8).
        gamma (float): Learning-rate factor of the drop (the paper: 0.1).
        milestones (tuple[int], optional): Iterations of a scale at which
            the rate drops, as mmagic's ``lr_scheduler_args`` states them;
            ``None``: ``int(lr_drop_at * iters_per_scale)``.
    """
    num_scales: int
    iters_per_scale: int = paper.ITERS_PER_SCALE
    lr_drop_at: float = paper.LR_DROP_AT
    gamma: float = paper.LR_GAMMA
    milestones: Optional[Tuple[int, ...]] = None

    def __post_init__(self) -> None:
        iters = self.iters_per_scale
        if not isinstance(iters, int) or isinstance(iters, bool) or iters <= 0:
            raise ValueError(
                f'iters_per_scale={iters!r} must be a positive integer (the '
                f'paper uses {paper.ITERS_PER_SCALE}).')
        if not isinstance(self.num_scales, int) or self.num_scales < 0:
            raise ValueError(f'num_scales={self.num_scales!r} must be an '
                             'integer >= 0; tools/get_num_scales.py prints '
                             'the value for an image.')
        if not 0 < self.lr_drop_at <= 1:
            raise ValueError(f'lr_drop_at={self.lr_drop_at!r} must lie in '
                             f'(0, 1] (the paper uses {paper.LR_DROP_AT}).')
        milestones = self.milestones
        if milestones is None:
            milestones = (int(self.lr_drop_at * iters), )
        object.__setattr__(self, 'milestones',
                           tuple(int(m) for m in milestones))

    @property
    def total_iters(self) -> int:
        """Runner iterations of the whole schedule."""
        return (self.num_scales + 1) * self.iters_per_scale

    def first_iter(self, scale: int) -> int:
        """0-based global iteration at which ``scale`` starts."""
        return scale * self.iters_per_scale

    def lr_factor(self, scale_iter: int) -> float:
        """Learning-rate factor of the ``scale_iter``-th (0-based) iteration.

        As ``MultiStepLR`` stepped after every iteration of the scale: the
        iteration with index ``m`` is the first at the lower rate.
        """
        return self.gamma**sum(scale_iter >= m for m in self.milestones)
