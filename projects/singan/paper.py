"""The paper's settings (Shaham et al., ICCV 2019, Sec. 4 and its code).

Every default below is stated here once; the dataset, the model, the loop
and the error messages import it from here.
"""

__all__ = [
    'MIN_SIZE', 'MAX_SIZE', 'SCALE_FACTOR', 'ITERS_PER_SCALE',
    'DISCRIMINATOR_STEPS', 'GENERATOR_STEPS', 'LR_DROP_AT', 'LR_GAMMA'
]

#: Short side of the coarsest scale, in pixels.
MIN_SIZE = 25
#: Long side of the finest scale, in pixels.
MAX_SIZE = 250
#: Ratio between the sides of neighbouring scales (before rounding).
SCALE_FACTOR = 0.75
#: Iterations per scale.
ITERS_PER_SCALE = 2000
#: Critic steps per iteration.
DISCRIMINATOR_STEPS = 3
#: Generator steps per iteration.
GENERATOR_STEPS = 3
#: The learning rate drops at this fraction of a scale's iterations ...
LR_DROP_AT = 0.8
#: ... by this factor.
LR_GAMMA = 0.1
