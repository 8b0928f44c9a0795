"""ConSinGAN-style concurrent training (Hinz et al., WACV 2021).

The generator's last ``num_concurrent`` scales train together, end to end:
the current scale at the full learning rate, each scale below it at
``lr_scale`` times the rate of the one above. This is one parameter of
SinGAN's iteration (:class:`~singan.models.SinGAN` with ``num_concurrent``);
this class only sets ConSinGAN's values. The critic, the losses, the noise
amplitudes and the pickle layout are SinGAN's, so ``tools/test.py`` samples
a ConSinGAN model like any other.

Note:
    ConSinGAN also changes the pyramid (fewer, more spread scales) and the
    iteration count; those live in the config
    (``configs/singan/singan_balloons_fast.py``). Its architecture (one
    growing generator, 64 channels, no BatchNorm) is not taken here.
"""
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
        **kwargs: The other arguments of :class:`SinGAN`.
    """

    def __init__(self, num_concurrent: int = 3, lr_scale: float = 0.1,
                 **kwargs) -> None:
        super().__init__(num_concurrent=num_concurrent, lr_scale=lr_scale,
                         **kwargs)
