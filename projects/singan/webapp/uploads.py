"""Checks of an uploaded photo, before anything is trained.

An upload is refused with one sentence that names the problem, the value
and a fix, in this order (cheapest first): the file size, the pixel count
read from the header (so a decompression bomb is never decoded), the
decoded image (``singan.fileio.read_image``: EXIF orientation applied, as
a viewer shows it), and whether its pyramid suits the network at the
chosen preset (``singan.apis.limits.check_image_fits``).
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Tuple

from mmengine.config import Config

from .. import paper
from ..apis.limits import check_image_fits, network_field
from ..cli import UserInputError
from ..fileio.image_io import read_image
from ..resources import find_config

__all__ = [
    'UploadError', 'PyramidSettings', 'MAX_UPLOAD_BYTES', 'MAX_UPLOAD_PIXELS',
    'pyramid_settings', 'header_size', 'check_upload'
]

#: Largest upload accepted, in bytes (a 24 MP JPEG is ~10 MB).
MAX_UPLOAD_BYTES = 25 * 2**20
#: Largest decoded image accepted, in pixels (SinGAN trains at <= 250 px
#: anyway; larger photos only cost memory while they are read).
MAX_UPLOAD_PIXELS = 40_000_000


class UploadError(UserInputError):
    """An upload that cannot be trained on; the message says why."""


@dataclass(frozen=True)
class PyramidSettings:
    """What decides whether an image suits a preset.

    Args:
        min_size (int): Short side of the coarsest scale.
        max_size (int): Cap of the long side of the finest scale.
        field (int): Smallest side the networks accept.
    """
    min_size: int
    max_size: int
    field: int


def pyramid_settings(config: str, max_size: int = None) -> PyramidSettings:
    """The pyramid settings of a preset's config.

    Args:
        config (str): Config name or path (``find_config``).
        max_size (int, optional): Overrides the config's ``max_size``, as
            ``singan train --max-size`` does.

    Returns:
        PyramidSettings: The sizes and receptive field.
    """
    cfg = Config.fromfile(find_config(config))
    dataset = cfg.train_dataloader.dataset
    return PyramidSettings(
        dataset.get('min_size', paper.MIN_SIZE),
        max_size or dataset.get('max_size', paper.MAX_SIZE),
        network_field(cfg.model))


def header_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` from the image header, without decoding pixels.

    Args:
        path (str): Image file.

    Returns:
        tuple[int, int]: As stored (before EXIF orientation); ``(0, 0)``
        when Pillow cannot read the header (OpenCV then decides).
    """
    from PIL import Image
    try:
        with Image.open(path) as image:
            return image.size
    except Exception:  # any unreadable header: read_image names the problem
        return 0, 0


def check_upload(path: str, settings: PyramidSettings,
                 max_bytes: int = MAX_UPLOAD_BYTES,
                 max_pixels: int = MAX_UPLOAD_PIXELS) -> Tuple[int, int]:
    """Refuse an upload that is too big, no image, or unfit for training.

    Args:
        path (str): The uploaded file.
        settings (PyramidSettings): Of the chosen preset.
        max_bytes (int): Largest file accepted.
        max_pixels (int): Largest decoded image accepted.

    Returns:
        tuple[int, int]: ``(height, width)`` as a viewer shows the image.

    Raises:
        UploadError: With the value and a fix.
    """
    name = osp.basename(path)
    size = os.path.getsize(path)
    if size > max_bytes:
        raise UploadError(
            f'{name} is {size / 2**20:.1f} MB, more than the '
            f'{max_bytes / 2**20:.0f} MB this app accepts. Save a smaller '
            'copy (SinGAN trains at most 250 px wide anyway), e.g. as JPEG.')
    width, height = header_size(path)
    _check_pixels(name, width, height, max_pixels)
    try:
        image = read_image(path)
    except ValueError as err:
        # the reader names the server's copy of the file: name the user's
        reason = str(err).replace(repr(path), repr(name)).replace(path, name)
        raise UploadError(f'{name} is not an image this app can read: '
                          f'{reason}') from None
    height, width = image.shape[:2]
    _check_pixels(name, width, height, max_pixels)
    try:
        check_image_fits(height, width, settings.min_size, settings.max_size,
                         settings.field)
    except ValueError as err:
        raise UploadError(f'{name} cannot be trained at this preset: {err} '
                          '(min_size and max_size are set by the preset.)'
                          ) from None
    return height, width


def _check_pixels(name: str, width: int, height: int,
                  max_pixels: int) -> None:
    """Raise :class:`UploadError` above ``max_pixels``."""
    if width * height > max_pixels:
        raise UploadError(
            f'{name} is {width}x{height} (WxH), {width * height / 1e6:.1f} '
            f'megapixels, more than the {max_pixels / 1e6:g} MP this app '
            'accepts. Scale it down (e.g. to 1000 px on the long side) and '
            'upload it again.')
