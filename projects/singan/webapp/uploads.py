"""Checks of an uploaded photo, before anything is trained.

An upload is refused with one sentence that names the problem, the value
and a fix, in this order (cheapest first): the file size, the pixel count
read from the header (``singan.fileio.image_header_size``: PNG ``IHDR``,
JPEG ``SOF``, else Pillow's header reader, whose decompression-bomb guard
counts as "too large"; a file whose header none of them reads is refused,
so nothing is decoded before its pixels are counted), the decoded image
(``singan.fileio.read_image``: EXIF orientation applied, as a viewer shows
it), and whether its pyramid suits the network at the chosen preset
(``singan.apis.limits.check_image_fits``).

A refused upload is removed from the server's upload folder
(:func:`discard_refused_upload`) unless another preset could take it.
"""
import contextlib
import errno
import os
import os.path as osp
import shutil
import tempfile
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

from mmengine.config import Config

from .. import paper
from ..apis.limits import check_image_fits, network_field
from ..cli import UserInputError
from ..fileio.image_io import (ImageTooLargeError, image_header_size,
                               read_image)
from ..resources import find_config

__all__ = [
    'UploadError', 'PyramidSettings', 'MAX_UPLOAD_BYTES', 'MAX_UPLOAD_PIXELS',
    'pyramid_settings', 'header_size', 'check_upload', 'upload_folder',
    'discard_refused_upload', 'new_job_folder'
]

#: Largest upload accepted, in bytes (a 24 MP JPEG is ~10 MB).
MAX_UPLOAD_BYTES = 25 * 2**20
#: Largest decoded image accepted, in pixels (SinGAN trains at <= 250 px
#: anyway; larger photos only cost memory while they are read).
MAX_UPLOAD_PIXELS = 40_000_000


class UploadError(UserInputError):
    """An upload that cannot be trained on; the message says why.

    Args:
        message (str): Why, with a fix.
        final (bool): No preset can take the file (too big, no image): the
            upload may be removed.
    """

    def __init__(self, message: str, final: bool = True) -> None:
        super().__init__(message)
        self.final = final


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


def header_size(path: str, max_pixels: int = MAX_UPLOAD_PIXELS
                ) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from the image header, without decoding pixels.

    Args:
        path (str): Image file.
        max_pixels (int): For the message when Pillow's bomb guard refuses.

    Returns:
        tuple[int, int] | None: As stored (before EXIF orientation);
        ``None`` when no known header is found.

    Raises:
        UploadError: Pillow's decompression-bomb guard refused the header.
    """
    try:
        return image_header_size(path)
    except ImageTooLargeError as err:
        name = osp.basename(path)
        raise UploadError(
            f'{name} has more megapixels than the {max_pixels / 1e6:g} MP '
            f'this app accepts ({err}). Scale it down (e.g. to 1000 px on '
            'the long side) and upload it again.') from None


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
    stored = header_size(path, max_pixels)
    if stored is None:
        raise UploadError(
            f'{name} is not an image this app can read: no JPEG, PNG, WebP, '
            'TIFF, BMP or GIF header was found in it (a text file, or a '
            'damaged image?). Save it again as PNG or JPEG and upload that.')
    _check_pixels(name, *stored, max_pixels)
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
                          '(min_size and max_size are set by the preset.)',
                          final=False) from None
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


def upload_folder() -> str:
    """Where the web server keeps uploaded files (Gradio's cache).

    Returns:
        str: ``GRADIO_TEMP_DIR``, else ``TMP/gradio`` (as Gradio decides).
    """
    return osp.realpath(os.environ.get('GRADIO_TEMP_DIR') or osp.join(
        tempfile.gettempdir(), 'gradio'))


def discard_refused_upload(path: Optional[str], err: BaseException) -> None:
    """Remove an upload that no preset can take from the upload folder.

    Gradio keeps every uploaded file (``UPLOADS/<hash>/<name>``) until the
    server restarts; a refused one is of no further use. Files outside the
    upload folder (a bundled image) and uploads that another preset could
    take, or that were refused only because the app was busy, are kept.

    Args:
        path (str, optional): The uploaded file.
        err (BaseException): Why it was refused.

    Returns:
        None
    """
    if not path or not getattr(err, 'final', False):
        return
    real, root = osp.realpath(path), upload_folder()
    if osp.commonpath([real, root]) != root or real == root:
        return
    folder = osp.dirname(real)
    try:
        os.remove(real)
        if folder != root and not os.listdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass  # already gone, or not ours to remove


@contextlib.contextmanager
def new_job_folder(folder: str, root: str) -> Iterator[str]:
    """Make a job's folder; remove it whole if writing the job fails.

    A full disk or a jobs dir that became read-only would otherwise leave a
    folder with an empty ``input.png`` and a raw ``[Errno 28]``.

    Args:
        folder (str): The new job's folder (must not exist).
        root (str): The jobs dir, named in the message.

    Yields:
        str: ``folder``.

    Raises:
        UploadError: Instead of the ``OSError``, with the reason and a fix;
        the upload is kept (``final=False``) for a retry.
    """
    try:
        yield folder
    except OSError as err:
        shutil.rmtree(folder, ignore_errors=True)
        reason = err.strerror or str(err)
        fix = ('Free space there, or restart the app with another '
               '--jobs-dir' if err.errno in (errno.ENOSPC, errno.EDQUOT)
               else 'Restart the app with a writable --jobs-dir')
        state = ('is full' if err.errno in (errno.ENOSPC, errno.EDQUOT)
                 else 'cannot be written')
        raise UploadError(
            f'The jobs dir {root} {state} ({reason}), so the new job could '
            f'not be saved. {fix}; nothing of this job was kept, and the '
            'other jobs are intact.', final=False) from None
