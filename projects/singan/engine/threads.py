"""How many CPU threads a scale trains on: the one thread policy."""
from contextlib import contextmanager
from typing import Iterator

import torch

__all__ = ['scale_threads']


@contextmanager
def scale_threads(real: torch.Tensor, single_thread_pixels: int) -> Iterator:
    """One torch thread while a small CPU scale trains, restored afterwards.

    The small convolutions of the coarse scales are slower on two threads
    than on one, and stall when other processes share the cores
    (docs/speed.md). GPU scales and large scales keep torch's setting.

    Args:
        real (torch.Tensor): The scale's real image, ``(1, C, H, W)``.
        single_thread_pixels (int): Scales of fewer pixels (H x W) use one
            thread; 0: never.

    Returns:
        Iterator: A context manager.
    """
    before = torch.get_num_threads()
    small = real.device.type == 'cpu' and \
        real.shape[-2] * real.shape[-1] < single_thread_pixels
    if small and before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
