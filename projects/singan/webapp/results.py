"""What the app makes with a finished job: samples, edits, animations.

Plain functions of a :class:`~.jobs.Job` and numbers or ``uint8`` arrays,
so the browser glue only moves values. Each is an adapter of
:class:`~singan.apis.SinGANInferencer` (loaded once per job, see
:func:`job_model`), which checks the request before the first step, makes
the pictures and writes them under ``JOB/outputs/<request>/``; a blend is
returned at the photo's full resolution, as the Python API gives it.
"""
import os.path as osp
import threading
from collections import OrderedDict
from typing import List, Optional, Tuple

import numpy as np

from ..apis import SinGANInferencer
from ..apis.trained_run import open_trained_run
from ..cli import UserInputError
from ..presets import get_preset
from .jobs import Job
from .opened import OPENED

__all__ = ['job_model', 'downloads', 'make_samples', 'make_injection',
           'make_animation', 'paste_object']

#: Models kept loaded (a few MB each).
CACHE_SIZE = 2
#: The Inferencer's options as the page names them, for messages.
OPTION_NAMES = dict(factors='size factors', start_scale='start scale',
                    num='number of samples', num_frames='frames',
                    resize='--resize')
_cache: 'OrderedDict[str, SinGANInferencer]' = OrderedDict()
_cache_lock = threading.Lock()


def job_model(job: Job) -> SinGANInferencer:
    """The Inferencer of a finished job, from the cache when it is there.

    Args:
        job (Job): A job whose ``progress.json`` says ``done``.

    Returns:
        SinGANInferencer: Loaded once per job (and checkpoint).
    """
    key = f'{job.folder}:{job.state().get("checkpoint")}'
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(job)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
        return _cache[key]


def _load(job: Job) -> SinGANInferencer:
    """The job's run as the singan command finds it, with its pickle."""
    state = job.state()
    if state.get('status') != 'done' or not state.get('checkpoint'):
        raise UserInputError(
            f'Job {job.id} has not finished training (status '
            f'{state.get("status")!r}); wait until it is done.')
    if job.params.get('kind') == OPENED:  # singan app --model
        # the stored config, read as plain settings, never run
        return SinGANInferencer(state['checkpoint'], None,
                                state.get('pickle'), training_image=job.image,
                                show_progress=False,
                                option_names=OPTION_NAMES)
    run = open_trained_run(job.work_dir, state['checkpoint'])
    return SinGANInferencer(run.checkpoint, run.config,
                            state.get('pickle') or run.pickle,
                            show_progress=False, option_names=OPTION_NAMES)


def _outputs(job: Job, request: str) -> str:
    """``JOB/outputs/<request>``: one folder per request."""
    return osp.join(job.folder, 'outputs', request)


def downloads(job: Job) -> List[str]:
    """The checkpoint and pickle of a finished job (empty before)."""
    state = job.state()
    return [path for path in (state.get('checkpoint'), state.get('pickle'))
            if path and osp.isfile(path)]


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
    inferencer = job_model(job)
    num, start_scale, seed = int(num), int(start_scale), int(seed)
    factors = (float(height_factor), float(width_factor))
    if start_scale and factors != (1.0, 1.0):
        raise UserInputError(
            f'Start scale {start_scale} keeps the training layout, so it '
            'works at the training size only: set both size factors to 1, '
            'or the start scale to 0 for samples of another size.')
    text = f'{factors[0]:g}x{factors[1]:g}'
    folder = _outputs(job, f'sample_start{start_scale}_{text}_seed{seed}')
    if start_scale:
        out = inferencer.inject(start_scale, num, seed, pred_out_dir=folder)
    else:
        out = inferencer.sample(num, factors, seed=seed, pred_out_dir=folder)
    return [(path, f'sample {i}, {text}, start scale {start_scale}')
            for i, path in enumerate(out['paths'])]


def make_injection(job: Job, image: np.ndarray, mask: Optional[np.ndarray],
                   mode: str, start_scale: int, resize: str = 'none',
                   seed: int = 0) -> Tuple[str, str]:
    """Harmonize a pasted object, or make an edited region look natural.

    Args:
        job (Job): A finished job whose preset supports injection.
        image (np.ndarray): The photo with the object pasted in (or a
            region edited), ``(h, w, 3 or 4)`` uint8 RGB, any resolution of
            the training image's aspect ratio.
        mask (np.ndarray, optional): ``(h, w)`` array, non-zero where the
            image changed.
        mode (str): ``'harmonize'`` or ``'edit'``.
        start_scale (int): Injection scale, ``1..num_scales``.
        resize (str): How to fit another aspect ratio: ``'none'``,
            ``'stretch'`` or ``'crop'`` (the result is its centre).
        seed (int): Noise seed.

    Returns:
        tuple[str, str]: ``(path of the result, caption)``; the result has
        the image's resolution.
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
    inferencer = job_model(job)
    mask = (np.asarray(mask) > 0).astype(np.uint8) * 255
    if resize == 'crop':
        image, mask = inferencer.crop_to_model(image, mask)
        resize = 'none'
    task = {'harmonize': inferencer.harmonize, 'edit': inferencer.edit}[mode]
    out = task(image, mask, start_scale=int(start_scale), resize=resize,
               seed=int(seed), pred_out_dir=_outputs(
                   job, f'{mode}_start{start_scale}_seed{seed}'))
    return out['paths'][0], f'{mode}, start scale {start_scale}'


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
    folder = _outputs(job, f'animation_start{start_scale}_alpha{alpha:g}_'
                      f'seed{seed}')
    out = job_model(job).animate(int(frames), int(start_scale), float(alpha),
                                 fps=fps, seed=int(seed), pred_out_dir=folder)
    return out['paths'][0]
