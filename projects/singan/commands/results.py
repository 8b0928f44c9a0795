"""What ``singan train`` leaves when training is done: samples, grid, GIF.

The model is loaded back from the work dir (its last checkpoint and
pickle) into :class:`~singan.apis.SinGANInferencer`, as ``singan sample
WORK_DIR`` will load it, so the pictures show what the saved files give.
Everything goes to ``WORK_DIR/samples/``.
"""
import os.path as osp
from typing import Dict, List, Optional

from ..apis import SinGANInferencer
from ..apis.figures import captioned_row, stack_rows
from ..apis.trained_run import open_trained_run
from ..fileio import save_image
from .apps import ANIMATION_DEFAULTS

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
    inferencer = SinGANInferencer(run.checkpoint, run.config, run.pickle,
                                  device=device, show_progress=False,
                                  option_names=dict(num='--num-samples'))
    out_dir = osp.abspath(osp.join(work_dir, 'samples'))
    samples = inferencer.sample(num=num_samples, seed=seed,
                                pred_out_dir=out_dir)
    real = inferencer.training_image()
    items = ([] if real is None else [('training image', real)]) + [
        ('reconstruction', inferencer.reconstruct()['predictions'][0])] + [
        (f'sample {i}', s) for i, s in enumerate(samples['predictions'])]
    grid = save_image(_grid(items), osp.join(out_dir, 'grid.png'))
    clip = inferencer.animate(
        num_frames=ANIMATION_DEFAULTS['frames'],
        start_scale=min(ANIMATION_DEFAULTS['start_scale'],
                        inferencer.model.num_scales),
        alpha=ANIMATION_DEFAULTS['alpha'], beta=ANIMATION_DEFAULTS['beta'],
        fps=ANIMATION_DEFAULTS['fps'], seed=seed, pred_out_dir=out_dir)
    return dict(samples=samples['paths'], grid=osp.abspath(grid),
                gif=clip['paths'][0])


def _grid(items: List[tuple]):
    """Captioned pictures, ``_PER_ROW`` a row."""
    return stack_rows([captioned_row(items[i:i + _PER_ROW])
                       for i in range(0, len(items), _PER_ROW)])
