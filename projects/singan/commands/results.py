"""What ``singan train`` leaves when training is done: samples, grid, GIF.

The model is loaded back from the work dir (its last checkpoint and
pickle), as ``singan sample WORK_DIR`` will load it, so the pictures show
what the saved files give. Everything goes to ``WORK_DIR/samples/``.
"""
import os.path as osp
from typing import Dict, List, Optional

import torch

from .. import apis
from ..apis import limits, request_checks
from ..fileio import save_image, tensor_to_image
from .app_runner import stack_rows
from .apps import ANIMATION_DEFAULTS
from .trained_run import open_trained_run

__all__ = ['write_results']

#: Pictures per row of ``grid.png``.
_PER_ROW = 5


def write_results(work_dir: str, num_samples: int, seed: int = 0,
                  device: Optional[str] = None) -> Dict[str, object]:
    """Write samples, a captioned grid and an animation of a trained run.

    Args:
        work_dir (str): The run's work dir.
        num_samples (int): Random samples to write (>= 1).
        seed (int): Seed of their noise and of the animation's walk.
        device (str, optional): ``'cpu'`` or ``'cuda'``; ``None``: cuda if
            available.

    Returns:
        dict: ``samples`` (list of paths), ``grid`` and ``gif`` (paths),
        all absolute.
    """
    run = open_trained_run(work_dir)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model = apis.load_model(run.config, run.checkpoint, run.pickle, device)
    budget = limits.memory_budget(device)
    request_checks.check_batch_request(model, num_samples, budget,
                                       '--num-samples')
    frames = ANIMATION_DEFAULTS['frames']
    request_checks.check_animation_request(model, frames, budget)
    out_dir = osp.abspath(osp.join(work_dir, 'samples'))
    rng = torch.Generator(device=device).manual_seed(seed)
    samples = apis.random_samples(model, num_samples, generator=rng)
    paths = [save_image(tensor_to_image(s),
                        osp.join(out_dir, f'sample_{i:02d}.png'))
             for i, s in enumerate(samples)]
    real = apis.training_pyramid(run.config, model.sizes)[-1]
    recon, _ = apis.reconstruct(model)
    items = [('training image', real), ('reconstruction', recon)] + [
                 (f'sample {i}', s) for i, s in enumerate(samples)]
    grid = save_image(_grid(items), osp.join(out_dir, 'grid.png'))
    start = min(ANIMATION_DEFAULTS['start_scale'], model.num_scales)
    clip = apis.animate(model, frames, start, ANIMATION_DEFAULTS['alpha'],
                        ANIMATION_DEFAULTS['beta'], rng)
    gif = apis.write_gif([tensor_to_image(f) for f in clip],
                         osp.join(out_dir, 'animation.gif'),
                         ANIMATION_DEFAULTS['fps'])
    return dict(samples=[osp.abspath(p) for p in paths],
                grid=osp.abspath(grid), gif=osp.abspath(gif))


def _grid(items: List[tuple]):
    """Captioned pictures, ``_PER_ROW`` a row."""
    rows = [apis.captioned_row(items[i:i + _PER_ROW])
            for i in range(0, len(items), _PER_ROW)]
    return stack_rows(rows)
