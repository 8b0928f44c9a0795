"""Checking a device name before anything is put on it."""
import torch

from .cli import UserInputError

__all__ = ['DeviceError', 'check_device']


class DeviceError(UserInputError):
    """A device that this torch build or machine does not have."""


def check_device(name) -> str:
    """Raise :class:`DeviceError` unless ``name`` is a usable device.

    Args:
        name (str | torch.device): ``'cpu'``, ``'cuda'`` or ``'cuda:N'``.

    Returns:
        str: The name, as given (``str`` of a ``torch.device``).
    """
    text = str(name)
    try:
        device = torch.device(text)
    except (RuntimeError, TypeError) as err:
        raise DeviceError(f'--device {text!r} is not a device name '
                          f"({' '.join(str(err).split())}); use 'cpu' or "
                          "'cuda' (or 'cuda:N').") from None
    if device.type == 'cpu':
        return text
    if device.type != 'cuda':
        raise DeviceError(f"--device {text!r}: only 'cpu' and 'cuda' are "
                          "supported; use --device cpu.")
    if not torch.cuda.is_available():
        why = ('this torch build has no CUDA' if torch.version.cuda is None
               else 'no CUDA GPU is visible')
        raise DeviceError(f'--device {text!r}: {why} (torch '
                          f'{torch.__version__}); use --device cpu, or '
                          'install a CUDA build of torch on a machine with an '
                          'NVIDIA GPU.')
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise DeviceError(f'--device {text!r}: this machine has {count} CUDA '
                          f'device(s), cuda:0..cuda:{count - 1}; pick one of '
                          'them.')
    return text
