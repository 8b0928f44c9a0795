"""Reading and writing images, with clear messages for bad files.

Images are handled in RGB order: the file is decoded by OpenCV (BGR) and
flipped once here. Models trained by mmagic expect BGR; their checkpoints
are converted on load instead (see ``docs/mmagic.md``).

Every image is read as a viewer shows it. OpenCV decodes with
``IMREAD_UNCHANGED`` (keeps 16 bits and alpha, but ignores the EXIF
orientation; ``IMREAD_COLOR`` applies it but drops both), so the metadata is
read separately with Pillow (``Image.open`` reads only the header), and:

- the EXIF orientation (JPEG, PNG ``eXIf``, WebP, TIFF) is applied by
  flipping / rotating the decoded array, whatever its dtype and channels;
- an embedded ICC colour profile other than sRGB is converted to sRGB with
  Pillow's LittleCMS (``ImageCms``) for 8-bit images; 16-bit images are
  used as they are (Pillow cannot convert them), and the log says so.

What was done is logged once per file (``print_log``).

Memory is bounded before anything is decoded: a file larger than
:data:`MAX_IMAGE_BYTES` is not read, and the width and height are read from
the header first (:func:`image_header_size`: PNG ``IHDR``, JPEG ``SOF``,
else Pillow's header reader with its decompression-bomb guard), so an image
of more than :data:`MAX_IMAGE_PIXELS` is refused without decoding it.
"""
import io
import os
import os.path as osp
import struct
import warnings
from typing import BinaryIO, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch

from .atomic import atomic_write_bytes

__all__ = [
    'ImageLoadError', 'ImageTooLargeError', 'MAX_IMAGE_BYTES',
    'MAX_IMAGE_PIXELS', 'read_image', 'decode_image', 'image_header_size',
    'check_image_pixels', 'apply_orientation', 'to_unit_range',
    'tensor_to_image', 'save_image', 'make_grid'
]

#: Largest image file read, in bytes. A 24-megapixel JPEG is about 10 MB and
#: a 100-megapixel 16-bit PNG about 400 MB; larger is no photo.
MAX_IMAGE_BYTES = 512 * 2**20
#: Largest image decoded, in pixels: Pillow's decompression-bomb limit
#: (``2 * PIL.Image.MAX_IMAGE_PIXELS``). Decoded as 8-bit RGB it takes about
#: 540 MB; SinGAN trains at 250 px on the long side anyway.
MAX_IMAGE_PIXELS = 2 * 89_478_485


class ImageLoadError(ValueError):
    """A file that cannot be used as an image."""


class ImageTooLargeError(ImageLoadError):
    """An image file or an image too large to decode safely."""


def read_image(path: Union[str, os.PathLike]) -> np.ndarray:
    """Decode an image file as ``(H, W, 3)`` RGB in its own bit depth.

    Grey images are repeated over three channels, alpha is dropped, palette
    images are expanded; 8- and 16-bit files keep their dtype. The EXIF
    orientation and colour profile are applied (see the module's notes) and
    logged.

    Args:
        path (str | PathLike): Image file.

    Returns:
        np.ndarray: ``uint8`` or ``uint16`` array of shape ``(H, W, 3)``.
    """
    image, notes = decode_image(path)
    _log_once(os.fspath(path), notes)
    return image


def decode_image(path: Union[str, os.PathLike]
                 ) -> Tuple[np.ndarray, List[str]]:
    """:func:`read_image` without the log: the image and what was done.

    Args:
        path (str | PathLike): Image file.

    Returns:
        tuple: ``(image, notes)``: the ``(H, W, 3)`` RGB array and one
        sentence per change made to show it as a viewer does.
    """
    path = os.fspath(path)
    _check_file(path)
    size = image_header_size(path)
    if size is not None:
        check_image_pixels(repr(path), *size)
    data = _read_bytes(path)
    try:
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error as err:  # e.g. OpenCV's own pixel limit
        reason = str(err).strip().splitlines()[-1][:200]
        raise ImageLoadError(
            f'{path!r} cannot be decoded by OpenCV ({reason}). Save it again '
            'as PNG or JPEG, at most '
            f'{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels.') from None
    if image is None or image.size == 0:
        raise ImageLoadError(
            f'{path!r} is not an image OpenCV can decode (wrong format or a '
            'truncated file). Save it again as PNG or JPEG.')
    if image.dtype not in (np.uint8, np.uint16):
        raise ImageLoadError(f'{path!r} has pixel type {image.dtype}; use an '
                             '8- or 16-bit image.')
    image = _to_rgb(image)
    orientation, icc = _metadata(data)
    notes: List[str] = []
    if icc:
        image = _to_srgb(image, icc, path, notes)
    if orientation not in (None, 1):
        stored = image.shape[:2]
        image = apply_orientation(image, orientation)
        notes.append(
            f'{path} has EXIF orientation {orientation} ('
            f'{_ORIENTATIONS[orientation][1]}); applied it, as a viewer '
            f'does: stored {stored[1]}x{stored[0]}, shown and used '
            f'{image.shape[1]}x{image.shape[0]} (WxH).')
    return image, notes


def _check_file(path: str) -> None:
    """Refuse what is no image file, before a byte of it is read.

    Args:
        path (str): The path given.

    Returns:
        None
    """
    from .paths import describe_missing, special_file_problem
    if not osp.exists(path):
        raise ImageLoadError(describe_missing(
            path, f'Image file {path!r} does not exist. Check the path '
            '(data_root in the config).', 'Image file'))
    if osp.isdir(path):
        raise ImageLoadError(f'{path!r} is a folder; give the path of one '
                             'image file.')
    special = special_file_problem(path, 'Image file')
    if special:
        raise ImageLoadError(special)
    try:
        size = osp.getsize(path)
        with open(path, 'rb'):
            pass
    except OSError as err:
        raise ImageLoadError(
            f'Image file {path!r} cannot be read ({err.strerror}). Check its '
            'permissions, or copy it somewhere readable.') from err
    if size == 0:
        raise ImageLoadError(f'Image file {path!r} is empty (0 bytes). '
                             'Copy the image again.')
    if size > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(
            f'Image file {path!r} is {_amount(size)}, more than the '
            f'{_amount(MAX_IMAGE_BYTES)} an image may be (a 24-megapixel '
            'JPEG is about 10 MB), so it is not read. Check that it is the '
            'photo you meant, or save a smaller copy (e.g. as JPEG).')


def _amount(size: float) -> str:
    """Bytes in words: ``'2.0 GB'``, ``'512 MB'``."""
    return (f'{size / 2**30:.1f} GB' if size >= 2**30 else
            f'{size / 2**20:.0f} MB')


def check_image_pixels(name: str, width: int, height: int,
                       max_pixels: int = MAX_IMAGE_PIXELS,
                       error: type = ImageTooLargeError) -> None:
    """Refuse an image of more than ``max_pixels``, before decoding it.

    Args:
        name (str): What the image is, for the message (a quoted path).
        width (int): Its width, e.g. from :func:`image_header_size`.
        height (int): Its height.
        max_pixels (int): Largest pixel count accepted.
        error (type): The exception to raise.

    Returns:
        None
    """
    if width * height <= max_pixels:
        return
    raise error(
        f'{name} is {width}x{height} (WxH), {width * height / 1e6:.1f} '
        f'megapixels, more than the {max_pixels / 1e6:.3g} MP decoded here '
        f'(decoding takes about {_amount(width * height * 3)}; SinGAN trains '
        'at 250 px on the long side anyway). Scale it down (e.g. to 4000 px '
        'on the long side) and give the copy.')


def image_header_size(path: Union[str, os.PathLike]
                      ) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from an image file's header, decoding nothing.

    PNG (``IHDR``) and JPEG (the ``SOF`` segment) are parsed here; other
    formats go to Pillow's header reader (``Image.open`` reads no pixels),
    whose decompression-bomb guard refuses an image of more than
    :data:`MAX_IMAGE_PIXELS`.

    Args:
        path (str | PathLike): An image file.

    Returns:
        tuple[int, int] | None: As stored (before the EXIF orientation);
        ``None`` when no header of a known format is found.

    Raises:
        ImageTooLargeError: Pillow's guard refused the header.
        ValueError: The path is no regular file (a FIFO, whose ``open``
            would block, a device, a folder, a URL) or too big to read.
    """
    path = os.fspath(path)
    _check_file(path)  # before open(): a FIFO blocks it
    try:
        with open(path, 'rb') as f:
            head = f.read(8)
            if head == b'\x89PNG\r\n\x1a\n':
                return _png_size(f)
            if head[:2] == b'\xff\xd8':
                f.seek(2)
                return _jpeg_size(f)
    except (OSError, struct.error):
        return None
    return _pillow_size(path)


def _png_size(f: BinaryIO) -> Optional[Tuple[int, int]]:
    """Width and height of the ``IHDR`` chunk that follows the signature."""
    length, kind, width, height = struct.unpack('>I4sII', f.read(16))
    return (width, height) if kind == b'IHDR' else None


#: JPEG markers of a frame header (SOF0..SOF15 but DHT, JPG and DAC).
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(f: BinaryIO) -> Optional[Tuple[int, int]]:
    """Width and height of the first frame header, walking the segments."""
    while True:
        byte = f.read(1)
        if byte != b'\xff':
            return None
        marker = f.read(1)
        while marker == b'\xff':  # fill bytes
            marker = f.read(1)
        if not marker:
            return None
        code = marker[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # no length
            continue
        if code in (0xD9, 0xDA):  # end, or scan data before a frame
            return None
        (length, ) = struct.unpack('>H', f.read(2))
        if code in _SOF:
            _, height, width = struct.unpack('>BHH', f.read(5))
            return width, height
        f.seek(length - 2, os.SEEK_CUR)


def _pillow_size(path: str) -> Optional[Tuple[int, int]]:
    """Pillow's header size; its bomb guard means "too large"."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.size
    except Image.DecompressionBombError as err:
        raise ImageTooLargeError(
            f'{path!r} has more than {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels '
            f'({err}). Scale it down (e.g. to 4000 px on the long side) and '
            'give the copy.') from None
    except Exception:  # noqa: BLE001 - not Pillow's: OpenCV decides
        return None


def _read_bytes(path: str) -> np.ndarray:
    """The file's bytes (checked by :func:`_check_file` first)."""
    try:
        return np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise ImageLoadError(
            f'Image file {path!r} cannot be read ({err.strerror}). Check its '
            'permissions, or copy it somewhere readable.') from err


#: EXIF orientation -> (how to undo it on an array, what the tag means).
_ORIENTATIONS = {
    1: (lambda a: a, 'upright'),
    2: (lambda a: a[:, ::-1], 'mirrored left-right'),
    3: (lambda a: a[::-1, ::-1], 'rotated 180 degrees'),
    4: (lambda a: a[::-1], 'mirrored top-bottom'),
    5: (lambda a: a.transpose(1, 0, 2), 'mirrored and rotated'),
    6: (lambda a: np.rot90(a, -1), 'to be rotated 90 degrees clockwise'),
    7: (lambda a: a.transpose(1, 0, 2)[::-1, ::-1], 'mirrored and rotated'),
    8: (lambda a: np.rot90(a, 1), 'to be rotated 90 degrees '
        'counter-clockwise'),
}


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an ``(H, W, C)`` array as EXIF ``orientation`` says.

    Args:
        image (np.ndarray): The decoded pixels, as stored.
        orientation (int): EXIF tag 0x0112, 1..8 (Pillow's
            ``ImageOps.exif_transpose`` does the same on PIL images).

    Returns:
        np.ndarray: The image as a viewer shows it (contiguous copy).
    """
    if orientation not in _ORIENTATIONS:
        return image
    return np.ascontiguousarray(_ORIENTATIONS[orientation][0](image))


def _metadata(data: np.ndarray) -> Tuple[Optional[int], Optional[bytes]]:
    """EXIF orientation and ICC profile of an encoded image, if any."""
    try:
        from PIL import Image
    except ImportError:  # without Pillow: used as stored (README: install)
        return None, None
    try:
        with Image.open(io.BytesIO(data.tobytes())) as im:
            orientation = im.getexif().get(0x0112)
            icc = im.info.get('icc_profile')
    except Exception:  # noqa: BLE001 - OpenCV decoded it; no metadata
        return None, None
    return (int(orientation) if isinstance(orientation, int) else None,
            icc or None)


def _to_srgb(image: np.ndarray, icc: bytes, path: str,
             notes: List[str]) -> np.ndarray:
    """Convert RGB pixels from an embedded profile to sRGB, if possible."""
    from PIL import Image, ImageCms
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = ImageCms.getProfileDescription(profile).strip()
    except Exception as err:  # noqa: BLE001
        notes.append(f'{path} has an ICC colour profile Pillow cannot read '
                     f'({err}); pixel values used as sRGB.')
        return image
    if 'srgb' in name.lower():
        return image
    if image.dtype != np.uint8:
        notes.append(f'{path} has the colour profile {name!r}; it is 16-bit, '
                     'which Pillow cannot convert, so its values are used as '
                     'sRGB (colours may look duller). Convert it to sRGB in '
                     'an image editor to be exact.')
        return image
    try:
        out = ImageCms.profileToProfile(
            Image.fromarray(image), profile, ImageCms.createProfile('sRGB'),
            outputMode='RGB')
    except Exception as err:  # noqa: BLE001 - e.g. a CMYK or grey profile
        notes.append(f'{path} has the colour profile {name!r}, which cannot '
                     f'be applied to its RGB pixels ({err}); values used as '
                     'sRGB.')
        return image
    notes.append(f'{path} has the colour profile {name!r}; converted it to '
                 'sRGB.')
    return np.asarray(out)


#: Files whose notes were logged in this process, with their mtime.
_LOGGED = set()


def _log_once(path: str, notes: List[str]) -> None:
    """Log what was done to an image, once per file and process."""
    key = (osp.abspath(path), osp.getmtime(path))
    if not notes or key in _LOGGED:
        return
    _LOGGED.add(key)
    from mmengine.logging import print_log
    for note in notes:
        print_log(note, logger='current')


def _to_rgb(image: np.ndarray) -> np.ndarray:
    """Decoded OpenCV array (grey, BGR or BGRA) to ``(H, W, 3)`` RGB."""
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.shape[2] == 2:  # grey + alpha
        return np.repeat(image[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(image[:, :, 2::-1])  # BGR(A) -> RGB


def to_unit_range(image: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Map pixel values of an image of ``dtype`` to [-1, 1].

    Args:
        image (np.ndarray): Pixel values (any float or int array).
        dtype (np.dtype): The dtype the file had (uint8 or uint16).

    Returns:
        np.ndarray: float32 array in [-1, 1].
    """
    peak = float(np.iinfo(dtype).max)
    return (image.astype(np.float32) / peak * 2.0 - 1.0).clip(-1.0, 1.0)


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """``(C, H, W)`` RGB tensor in [-1, 1] to an ``(H, W, 3)`` uint8 array.

    Args:
        tensor (torch.Tensor): One image, 1 or 3 channels.

    Returns:
        np.ndarray: RGB uint8 image.
    """
    image = tensor.detach().float().cpu().clamp(-1, 1)
    image = ((image + 1) * 127.5).round().to(torch.uint8)
    if image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    return image.permute(1, 2, 0).numpy()


def save_image(image: Union[np.ndarray, torch.Tensor],
               path: Union[str, os.PathLike]) -> str:
    """Write an RGB image atomically; the format follows the extension.

    Args:
        image (np.ndarray | torch.Tensor): ``(H, W, 3)`` uint8 RGB, or a
            ``(C, H, W)`` tensor in [-1, 1].
        path (str | PathLike): Output file (``.png`` recommended).

    Returns:
        str: The path written.
    """
    if isinstance(image, torch.Tensor):
        image = tensor_to_image(image)
    path = os.fspath(path)
    ext = osp.splitext(path)[1] or '.png'
    ok, encoded = cv2.imencode(ext, np.ascontiguousarray(image[:, :, ::-1]))
    if not ok:
        raise ImageLoadError(f'OpenCV cannot encode {ext!r} files; save as '
                             '.png instead.')
    atomic_write_bytes(encoded.tobytes(), path)
    return path


def make_grid(images: Sequence[np.ndarray], ncols: int = 4,
              pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile same-height RGB images into one image, row by row.

    Args:
        images (Sequence[np.ndarray]): ``(H, W_i, 3)`` uint8 arrays.
        ncols (int): Images per row.
        pad (int): Pixels between images.
        fill (int): Colour of the padding.

    Returns:
        np.ndarray: The grid, ``(rows * (H + pad) + pad, ..., 3)`` uint8.
    """
    height = max(im.shape[0] for im in images)
    width = max(im.shape[1] for im in images)
    rows: List[List[np.ndarray]] = [
        list(images[i:i + ncols]) for i in range(0, len(images), ncols)
    ]
    ncols = min(ncols, len(images))
    grid = np.full((len(rows) * (height + pad) + pad,
                    ncols * (width + pad) + pad, 3), fill, np.uint8)
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            y, x = pad + r * (height + pad), pad + c * (width + pad)
            grid[y:y + im.shape[0], x:x + im.shape[1]] = im
    return grid
