"""The pyramid of a model trained by the authors' code: its scale factor.

Their ``adjust_scales2image`` sets ``opt.scale_factor = (min_size / s) **
(1 / stop_scale)``, ``s`` the short side of the (capped) finest image, and
``creat_reals_pyramid`` makes scale ``i`` ``ceil(side * scale_factor **
(stop_scale - i))`` pixels on each side (their ``imresize`` rounds sizes
up). The folder name gives only ``--scale_factor`` (their
``scale_factor_init``), and the resize between scales of their generation
is by ``1 / opt.scale_factor``; it is found here from the sizes of
``reals.pth``: the coarsest short side is ``min_size`` (or one more, where
the power rounds up), and the factor must give every size back.
"""
import math
from typing import Optional, Sequence, Tuple

__all__ = ['authors_pyramid_sizes', 'authors_scale_factor']


def authors_pyramid_sizes(finest: Sequence[int], scale_factor: float,
                          stop_scale: int) -> list:
    """Their ``creat_reals_pyramid`` sizes of a finest image.

    Args:
        finest (Sequence[int]): ``(H, W)`` of the finest scale.
        scale_factor (float): Their ``opt.scale_factor``.
        stop_scale (int): Index of the finest scale.

    Returns:
        list[tuple[int, int]]: ``(H, W)`` per scale, coarsest first.
    """
    return [tuple(math.ceil(side * math.pow(scale_factor, stop_scale - i))
                  for side in finest) for i in range(stop_scale + 1)]


def authors_scale_factor(sizes: Sequence[Tuple[int, int]]
                         ) -> Optional[float]:
    """``opt.scale_factor`` of a model from its scale sizes.

    Args:
        sizes (Sequence[tuple]): ``(H, W)`` per scale (of ``reals.pth``),
            coarsest first.

    Returns:
        float | None: The factor their code used; ``None`` when no
        ``min_size`` gives these sizes back (not a pyramid of their
        ``main_train.py``), or with one scale (no resize between scales).
    """
    sizes = [tuple(int(v) for v in s) for s in sizes]
    stop = len(sizes) - 1
    if stop < 1:
        return None
    short = min(sizes[-1])
    for min_size in (min(sizes[0]), min(sizes[0]) - 1):
        if not 0 < min_size < short:
            continue
        factor = math.pow(min_size / short, 1 / stop)
        if authors_pyramid_sizes(sizes[-1], factor, stop) == sizes:
            return factor
    return None
