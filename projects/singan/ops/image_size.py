"""What sizes a network accepts: receptive field, capping, image checks.

Pure functions of sizes and network settings, used by the configuration
checks and the tools before anything is built.
"""
import math
from typing import Tuple

__all__ = [
    'receptive_field', 'smallest_factor', 'check_image_fits', 'capped_size',
    'network_field'
]


def receptive_field(kernel_size: int = 3, num_layers: int = 5) -> int:
    """Side of the receptive field of one scale's generator (and critic).

    Args:
        kernel_size (int): Convolution kernel size.
        num_layers (int): Convolutions per block.

    Returns:
        int: ``1 + num_layers * (kernel_size - 1)``: 11 for SinGAN's five
        3x3 convolutions. The critic, which sees the unpadded image, needs
        an image at least this large; a coarsest scale smaller than it has
        no room for any structure.
    """
    return 1 + num_layers * (kernel_size - 1)


def smallest_factor(side: int, field: int) -> float:
    """Smallest size factor that keeps a side of ``side`` px >= ``field``.

    Args:
        side (int): The coarsest scale's side (height or width).
        field (int): The receptive field, see :func:`receptive_field`.

    Returns:
        float: The factor, rounded up to 2 decimals, so that
        ``round(side * factor) >= field``.
    """
    return math.ceil(field / side * 100) / 100


def check_image_fits(height: int, width: int, min_size: int, max_size: int,
                     field: int = 11) -> None:
    """Raise unless the pyramid of an image suits the network.

    The critic of every scale sees the unpadded image, so each scale needs
    at least ``field`` pixels on its short side (the coarsest scale has
    ``min_size``, after the image is capped to ``max_size``). Every fix this
    suggests has been checked to work.

    Args:
        height (int): Image height, as a viewer shows it.
        width (int): Image width.
        min_size (int): Short side of the coarsest scale.
        max_size (int): Cap of the long side of the finest scale.
        field (int): The smallest side the network accepts, see
            :func:`receptive_field`.

    Returns:
        None
    """
    if min(height, width) < field:
        raise ValueError(
            f'The image is {width}x{height} (WxH): its short side is '
            f'{min(height, width)} px, but the network needs at least '
            f'{field} px (the receptive field of its convolutions), so this '
            f'image cannot be used at any setting. Use an image of at least '
            f'{field}x{field} px.')
    if min_size < field:
        raise ValueError(
            f'min_size={min_size} is below {field} px, the smallest side the '
            f'network accepts (the receptive field of its convolutions). Set '
            f'min_size >= {field} (the paper uses 25).')
    if min_size > max_size:
        return  # check_pyramid_settings names it
    short = min(capped_size(height, width, max_size))
    if short >= min_size:
        return
    if short >= field:
        fix = f'set min_size <= {short}'
    else:
        need = max_size
        while min(capped_size(height, width, need)) < field:
            need += 1
        fix = f'set max_size >= {need} and min_size={field}'
    capped = capped_size(height, width, max_size)
    raise ValueError(
        f'The image is {width}x{height} (WxH), smaller than min_size='
        f'{min_size} on its short side' + (
            '' if capped == (height, width) else
            f' once capped to max_size={max_size} ({capped[1]}x{capped[0]})')
        + f'. Use a larger image or {fix}.')


def capped_size(height: int, width: int, max_size: int) -> Tuple[int, int]:
    """``(H, W)`` after capping the long side to ``max_size``.

    Args:
        height (int): Image height.
        width (int): Image width.
        max_size (int): Cap of the long side.

    Returns:
        tuple[int, int]: The finest scale's ``(H, W)``.
    """
    scale = min(max_size / max(height, width), 1.0)
    return tuple(max(1, int(s * scale + 0.5)) for s in (height, width))


def network_field(model_cfg: dict) -> int:
    """The smallest side the generator and critic of a config accept.

    Args:
        model_cfg (dict): ``cfg.model`` (``generator`` and ``discriminator``
            with optional ``kernel_size`` and ``num_layers``).

    Returns:
        int: The larger receptive field of the two networks.
    """
    return max(
        receptive_field(part.get('kernel_size', 3), part.get('num_layers', 5))
        for part in (model_cfg.get('generator') or {},
                     model_cfg.get('discriminator') or {}))
