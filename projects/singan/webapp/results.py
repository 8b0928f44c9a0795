"""What the app makes with a finished job: samples, edits, animations.

Plain functions of a :class:`~.jobs.Job` and numbers or ``uint8`` arrays,
so the browser glue only moves values. Each loads the job's model once
(a small cache, see :func:`job_model`), checks the request with
``singan.apis.request_checks`` before the first step, and writes what it
makes under ``JOB/outputs/``.
"""
import os.path as osp
import threading
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from .. import apis
from ..apis import limits, request_checks
from ..cli import UserInputError
from ..commands.trained_run import open_trained_run
from ..fileio.image_io import save_image, tensor_to_image, to_unit_range
from ..presets import get_preset
from .jobs import Job
from .opened import OPENED, load_opened

__all__ = ['JobModel', 'job_model', 'downloads', 'make_samples',
           'make_injection', 'make_animation', 'paste_object']

#: Models kept loaded (a few MB each).
CACHE_SIZE = 2
_cache: 'OrderedDict[str, JobModel]' = OrderedDict()
_cache_lock = threading.Lock()


class JobModel:
    """A finished job's model, training image and output folder.

    Args:
        job (Job): A job whose ``progress.json`` says ``done``.
    """

    def __init__(self, job: Job) -> None:
        state = job.state()
        if state.get('status') != 'done' or not state.get('checkpoint'):
            raise UserInputError(
                f'Job {job.id} has not finished training (status '
                f'{state.get("status")!r}); wait until it is done.')
        self.job = job
        self.out_dir = osp.join(job.folder, 'outputs')
        if job.params.get('kind') == OPENED:  # singan app --model
            self.model, self.cfg, self.real = load_opened(job)
            return
        # the run's files as the singan command finds them (config from
        # the checkpoint's meta); the pickle progress.json names
        run = open_trained_run(job.work_dir, state['checkpoint'])
        self.cfg = run.config
        self.model = apis.load_model(self.cfg, run.checkpoint,
                                     state.get('pickle') or run.pickle)
        self.real = apis.training_pyramid(self.cfg, self.model.sizes)[-1]
        self.out_dir = osp.join(job.folder, 'outputs')

    @property
    def num_scales(self) -> int:
        """Index of the finest scale."""
        return self.model.num_scales

    def save(self, name: str, image: np.ndarray) -> str:
        """Write an RGB ``uint8`` image under ``JOB/outputs``."""
        return save_image(image, osp.join(self.out_dir, name))


def job_model(job: Job) -> JobModel:
    """The loaded model of a finished job, from the cache when it is there.

    Args:
        job (Job): A finished job.

    Returns:
        JobModel: Loaded once per job (and checkpoint).
    """
    key = f'{job.folder}:{job.state().get("checkpoint")}'
    with _cache_lock:
        if key not in _cache:
            _cache[key] = JobModel(job)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
        return _cache[key]


def downloads(job: Job) -> List[str]:
    """The checkpoint and pickle of a finished job (empty before)."""
    state = job.state()
    return [path for path in (state.get('checkpoint'), state.get('pickle'))
            if path and osp.isfile(path)]


def _rng(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def make_samples(job: Job, num: int, height_factor: float,
                 width_factor: float, start_scale: int,
                 seed: int = 0) -> List[Tuple[str, str]]:
    """Random samples: any size and aspect, or from a start scale.

    Args:
        job (Job): A finished job.
        num (int): Number of samples.
        height_factor (float): Of the training image's height.
        width_factor (float): Of its width.
        start_scale (int): 0: free samples of any size; ``n > 0``: the
            scales below ``n`` keep the training image's layout (training
            size only).
        seed (int): Noise seed.

    Returns:
        list[tuple[str, str]]: ``(path, caption)`` per sample.
    """
    jm = job_model(job)
    num, start_scale = int(num), int(start_scale)
    factors = (float(height_factor), float(width_factor))
    budget = limits.memory_budget()
    apis.check_start_scale(jm.model, start_scale, 0, 'start scale')
    if start_scale and factors != (1.0, 1.0):
        raise UserInputError(
            f'Start scale {start_scale} keeps the training layout, so it '
            'works at the training size only: set both size factors to 1, '
            'or the start scale to 0 for samples of another size.')
    text = f'{factors[0]:g}x{factors[1]:g}'
    request_checks.check_sample_request(jm.model, num, factors, budget,
                                        'size factors', text)
    if start_scale:
        images = apis.inject_at_scale(jm.model, start_scale, num, _rng(seed))
    else:
        images = apis.random_samples(jm.model, num, factors, _rng(seed))
    tag = f'start{start_scale}_{text}_seed{seed}'
    return [(jm.save(f'sample_{tag}_{i:02d}.png', tensor_to_image(image)),
             f'sample {i}, {text}, start scale {start_scale}')
            for i, image in enumerate(images)]


def _fit(image: np.ndarray, size: Sequence[int], resize: str,
         what: str) -> torch.Tensor:
    """An ``(H, W, C)`` uint8 array as ``(1, C, H, W)`` in [-1, 1]."""
    fitted = apis.fit_to_size(image, size, resize, what)
    unit = to_unit_range(fitted, np.uint8)
    return torch.from_numpy(unit).permute(2, 0, 1)[None].contiguous()


def make_injection(job: Job, image: np.ndarray, mask: Optional[np.ndarray],
                   mode: str, start_scale: int, resize: str = 'none',
                   seed: int = 0) -> Tuple[str, str]:
    """Harmonize a pasted object, or make an edited region look natural.

    Args:
        job (Job): A finished job whose preset supports injection.
        image (np.ndarray): The training image with the object pasted in
            (or a region edited), ``(h, w, 3)`` uint8 RGB.
        mask (np.ndarray, optional): ``(h, w)`` array, non-zero where the
            image changed.
        mode (str): ``'harmonize'`` or ``'edit'``.
        start_scale (int): Injection scale, ``1..num_scales``.
        resize (str): How to fit another aspect ratio (``apis.RESIZE_MODES``).
        seed (int): Noise seed.

    Returns:
        tuple[str, str]: ``(path of the result, caption)``.
    """
    preset = job.params['preset']
    if preset != OPENED and not get_preset(preset).injection:
        raise UserInputError(f'The {preset!r} preset does not support '
                             'harmonization and editing; train with another'
                             ' preset.')
    if image is None:
        raise UserInputError('Upload or paint an image first.')
    if mask is None or not np.any(mask):
        raise UserInputError('The mask is empty: paint over the pasted '
                             'object (or edited region) with the brush.')
    jm = job_model(job)
    apis.check_start_scale(jm.model, int(start_scale), 1, 'start scale')
    size = jm.model.sizes[-1]
    given = _fit(image[..., :3], size, resize, 'The image')
    soft = _fit((mask > 0).astype(np.uint8)[..., None] * 255, size, resize,
                'The mask')
    binary = (soft > 0).float()
    function = {'harmonize': apis.harmonize, 'edit': apis.edit}[mode]
    result, _, _ = function(jm.model, jm.real, given, binary,
                            int(start_scale), generator=_rng(seed))
    path = jm.save(f'{mode}_start{start_scale}_seed{seed}.png',
                   tensor_to_image(result[0]))
    return path, f'{mode}, start scale {start_scale}'


def paste_object(background: np.ndarray, obj: np.ndarray, x: float,
                 y: float, width: float) -> Tuple[np.ndarray, np.ndarray]:
    """Paste an object onto the background: the naive paste and its mask.

    Args:
        background (np.ndarray): ``(H, W, 3)`` uint8.
        obj (np.ndarray): ``(h, w, 3 or 4)`` uint8; alpha, when present,
            is the object's shape.
        x (float): Left edge, in percent of the background's width.
        y (float): Top edge, in percent of its height.
        width (float): The object's width, in percent of the background's.

    Returns:
        tuple: ``(paste (H, W, 3) uint8, mask (H, W) uint8 0/255)``.
    """
    import cv2
    height, bg_width = background.shape[:2]
    new_w = max(1, round(bg_width * width / 100))
    new_h = max(1, round(obj.shape[0] * new_w / obj.shape[1]))
    obj = cv2.resize(obj, (new_w, new_h), interpolation=cv2.INTER_AREA)
    alpha = obj[..., 3] > 127 if obj.shape[2] == 4 else np.ones(
        obj.shape[:2], bool)
    left, top = round(bg_width * x / 100), round(height * y / 100)
    paste, mask = background[..., :3].copy(), np.zeros((height, bg_width),
                                                       np.uint8)
    right, bottom = min(bg_width, left + new_w), min(height, top + new_h)
    if right <= left or bottom <= top:
        raise UserInputError('The object lies outside the image: lower x '
                             'or y (percent of the width and height).')
    region = alpha[:bottom - top, :right - left]
    paste[top:bottom, left:right][region] = obj[:bottom - top,
                                                :right - left, :3][region]
    mask[top:bottom, left:right][region] = 255
    return paste, mask


def make_animation(job: Job, frames: int, start_scale: int, alpha: float,
                   seed: int = 0, fps: float = 10) -> str:
    """A looping GIF of the training image coming alive.

    Args:
        job (Job): A finished job.
        frames (int): Number of frames (>= 2).
        start_scale (int): First scale whose noise walks.
        alpha (float): Pull towards the reconstruction; lower moves more.
        seed (int): Noise seed.
        fps (float): Frames per second.

    Returns:
        str: Path of the GIF.
    """
    jm = job_model(job)
    apis.check_start_scale(jm.model, int(start_scale), 0, 'start scale')
    request_checks.check_animation_request(jm.model, int(frames),
                                           limits.memory_budget())
    clip = apis.animate(jm.model, int(frames), int(start_scale),
                        float(alpha), generator=_rng(seed))
    path = osp.join(jm.out_dir, f'animation_start{start_scale}_'
                    f'alpha{alpha:g}_seed{seed}.gif')
    return apis.write_gif([tensor_to_image(f) for f in clip], path, fps)
