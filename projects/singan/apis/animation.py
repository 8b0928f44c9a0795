"""Animation from a single image: a random walk in noise space.

The paper's Sec. 4 ("single image animation") and the authors'
``animation.py`` / ``manipulate.generate_gif``: at every scale from the
start scale on, the noise follows a walk with momentum ``beta`` that is
pulled towards the reconstruction noise with strength ``alpha``::

    z_1 = 0.95 z_opt + 0.05 eps,  z_0 = z_opt
    d_t = beta (z_t - z_{t-1}) + (1 - beta) eps_t
    z_{t+1} = alpha z_opt + (1 - alpha) (z_t + d_t)

Scales below the start scale keep ``z_opt`` (the reconstruction path), so
they fix the layout. The authors defaults are ``alpha=0.1``, ``beta=0.9``,
start scale 2, 100 frames at 10 fps; here all frames go through the
cascade as one batch.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch

from ..fileio.atomic import atomic_write_bytes
from ..models.singan import SinGAN
from .sampling import check_start_scale

__all__ = ['noise_walk', 'animate', 'write_gif', 'write_mp4']


def noise_walk(z_opt: torch.Tensor, num_frames: int, alpha: float,
               beta: float,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """The authors' random walk around ``z_opt``, one noise per frame.

    Args:
        z_opt (torch.Tensor): Reconstruction noise ``(1, C, H, W)``.
        num_frames (int): Frames to produce.
        alpha (float): Pull towards ``z_opt`` in [0, 1]; smaller moves more.
        beta (float): Momentum in [0, 1]; larger moves more smoothly.
        generator (torch.Generator, optional): Random source.

    Returns:
        torch.Tensor: ``(num_frames, C, H, W)``.
    """
    def eps():
        return torch.randn(z_opt.shape, generator=generator,
                           device=z_opt.device, dtype=z_opt.dtype)

    z_prev2, z_prev1 = z_opt, 0.95 * z_opt + 0.05 * eps()
    frames = []
    for _ in range(num_frames):
        diff = beta * (z_prev1 - z_prev2) + (1 - beta) * eps()
        z_curr = alpha * z_opt + (1 - alpha) * (z_prev1 + diff)
        z_prev2, z_prev1 = z_prev1, z_curr
        frames.append(z_curr)
    return torch.cat(frames)


@torch.no_grad()
def animate(model: SinGAN, num_frames: int = 30, start_scale: int = 2,
            alpha: float = 0.1, beta: float = 0.9,
            generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Frames of a short clip of the training image coming alive.

    Args:
        model (SinGAN): The trained model (eval mode).
        num_frames (int): Number of frames (>= 2).
        start_scale (int): First scale whose noise walks, ``0..num_scales``;
            lower scales move larger structures.
        alpha (float): Pull towards the reconstruction, in [0, 1]; the
            walk's strength is ``1 - alpha``.
        beta (float): Momentum of the walk, in [0, 1).
        generator (torch.Generator, optional): Random source.

    Returns:
        torch.Tensor: ``(num_frames, 3, H, W)`` in [-1, 1].
    """
    if num_frames < 2:
        raise ValueError(f'num_frames={num_frames}: an animation needs at '
                         'least 2 frames.')
    for name, value in (('alpha', alpha), ('beta', beta)):
        if not 0 <= value <= 1:
            raise ValueError(f'{name}={value} must lie in [0, 1].')
    check_start_scale(model, start_scale)
    noises = [
        z if s < start_scale else noise_walk(z, num_frames, alpha, beta,
                                             generator)
        for s, z in enumerate(model.fixed_noises)
    ]
    return model.generate(noises, num=num_frames)


def write_gif(frames: Sequence[np.ndarray], path: str, fps: float = 10) -> str:
    """Write RGB uint8 frames as a looping GIF (atomically).

    Args:
        frames (Sequence[np.ndarray]): ``(H, W, 3)`` uint8 arrays.
        path (str): Output ``.gif`` file.
        fps (float): Frames per second.

    Returns:
        str: The path written.
    """
    from io import BytesIO

    from PIL import Image
    images: List[Image.Image] = [Image.fromarray(f) for f in frames]
    buffer = BytesIO()
    images[0].save(buffer, format='GIF', save_all=True,
                   append_images=images[1:], duration=int(1000 / fps),
                   loop=0)
    atomic_write_bytes(buffer.getvalue(), path)
    return path


def write_mp4(frames: Sequence[np.ndarray], path: str,
              fps: float = 10) -> Optional[str]:
    """Write RGB uint8 frames as MP4 if OpenCV has an MP4 encoder.

    Args:
        frames (Sequence[np.ndarray]): ``(H, W, 3)`` uint8 arrays.
        path (str): Output ``.mp4`` file.
        fps (float): Frames per second.

    Returns:
        str | None: The path, or ``None`` when no encoder is available.
    """
    height, width = frames[0].shape[:2]
    tmp = osp.join(osp.dirname(osp.abspath(path)),
                   f'.{osp.basename(path)}.tmp.mp4')
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        return None
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()
    if not osp.isfile(tmp) or osp.getsize(tmp) == 0:
        return None
    os.replace(tmp, path)
    return path
