"""``num_scales`` of a training image, from its dataset config.

Read by :func:`load_model` (to check a checkpoint against the config's
image) and by ``config.prepare_config`` (to derive or check ``num_scales``
before training); it lives here, below both, so that loading a model never
imports the training floor.
"""
from .. import paper
from ..fileio.image_io import read_image
from ..ops.consingan_pyramid import CONSINGAN_STAGES, consingan_pyramid_sizes
from ..ops.pyramid import count_scales
from .limits import check_image_fits

__all__ = ['image_num_scales', 'pyramid_settings']


def image_num_scales(dataset_cfg: dict, field: int = 11) -> int:
    """``num_scales`` (index of the finest scale) of a dataset config.

    Args:
        dataset_cfg (dict): ``SinGANDataset`` config with ``data_root``,
            ``min_size``, ``max_size`` and ``scale_factor_init`` (or
            ``pyramid='consingan'`` and ``num_stages``).
        field (int): The smallest side the network accepts
            (``limits.network_field``).

    Returns:
        int: The stop scale of the image's pyramid.
    """
    if dataset_cfg.get('sizes') is not None:  # an imported model's pyramid
        return len(dataset_cfg['sizes']) - 1
    height, width = read_image(dataset_cfg['data_root']).shape[:2]
    min_size, max_size, factor = pyramid_settings(dataset_cfg)
    check_image_fits(height, width, min_size, max_size, field)
    if dataset_cfg.get('pyramid', 'singan') == 'consingan':
        stages = dataset_cfg.get('num_stages')
        sizes, _ = consingan_pyramid_sizes(
            height, width, CONSINGAN_STAGES if stages is None else stages,
            min_size, max_size)
        return len(sizes) - 1
    stop_scale, _ = count_scales(height, width, min_size, max_size, factor)
    return stop_scale


def pyramid_settings(dataset_cfg: dict) -> tuple:
    """``(min_size, max_size, scale_factor_init)``, the paper's when unset.

    Args:
        dataset_cfg (dict): A ``SinGANDataset`` config.

    Returns:
        tuple: ``(min_size, max_size, scale_factor_init)``.
    """
    return (dataset_cfg.get('min_size', paper.MIN_SIZE),
            dataset_cfg.get('max_size', paper.MAX_SIZE),
            dataset_cfg.get('scale_factor_init', paper.SCALE_FACTOR))
