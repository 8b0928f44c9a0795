"""``WORK_DIR/progress.json``: where a run is, for programs that watch it.

The browser app (and any script) follows a training that runs in another
process by reading this file; it is replaced atomically (temporary file +
``os.replace``), so a reader never sees half of it. Its fields::

    status      'starting' | 'training' | 'sampling' | 'done' | 'failed'
    scale, num_scales (number of scales), scale_iter, iters_per_scale,
    iter, max_iters, percent (0-100), eta_s (seconds left, or null),
    elapsed_s (training seconds so far, with the sessions before a resume),
    threads (CPU threads training uses now),
    snapshot, checkpoint, pickle (latest files, absolute paths, or null),
    samples (list), grid, gif (written after training, by ``singan train``),
    error (the ``error: ...`` line of a failed run), updated (time.time())
"""
import json
import os.path as osp
import time
from typing import Callable, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..fileio.atomic import atomic_write_bytes
from ..registry import HOOKS

__all__ = ['PROGRESS_FILE', 'STATUSES', 'ProgressFile', 'ProgressFileHook']

#: Name of the file in the work dir.
PROGRESS_FILE = 'progress.json'
#: Values of ``status``, in the order a run goes through them.
STATUSES = ('starting', 'training', 'sampling', 'done', 'failed')
#: Every field and its value before anything is known.
_EMPTY = dict(status='starting', scale=0, num_scales=0, scale_iter=0,
              iters_per_scale=0, iter=0, max_iters=0, percent=0.0,
              eta_s=None, elapsed_s=0.0, threads=None, snapshot=None,
              checkpoint=None, pickle=None, samples=[], grid=None, gif=None,
              error=None, updated=0.0)
#: Message hub keys where our hooks and mmengine's leave their latest file.
SNAPSHOT_INFO, PICKLE_INFO, CHECKPOINT_INFO = ('singan_snapshot',
                                               'singan_pickle', 'last_ckpt')


class ProgressFile:
    """The fields of a ``progress.json``, written whole at every update.

    Args:
        path (str): The file, usually ``WORK_DIR/progress.json``.
        keep (bool): Start from the fields already in the file (to add the
            end of a run to what training wrote); ``False``: from scratch.
    """

    def __init__(self, path: str, keep: bool = False) -> None:
        self.path = osp.abspath(path)
        self.fields = dict(_EMPTY, samples=[])
        if keep and osp.isfile(self.path):
            try:
                with open(self.path) as f:
                    found = json.load(f)
            except (OSError, ValueError):
                found = {}
            if isinstance(found, dict):
                self.fields.update(
                    {k: v for k, v in found.items() if k in _EMPTY})

    def update(self, **fields) -> dict:
        """Set ``fields`` and rewrite the file atomically.

        Args:
            **fields: Keys of the file (see the module docstring); paths are
                made absolute.

        Returns:
            dict: Everything the file now holds.
        """
        unknown = set(fields) - set(_EMPTY)
        if unknown:
            raise KeyError(f'progress.json has no field {sorted(unknown)}; '
                           f'its fields: {", ".join(_EMPTY)}.')
        if fields.get('status', 'starting') not in STATUSES:
            raise ValueError(f'status={fields["status"]!r}: use one of '
                             f'{STATUSES}.')
        for key in ('snapshot', 'checkpoint', 'pickle', 'grid', 'gif'):
            if fields.get(key):
                fields[key] = osp.abspath(fields[key])
        if 'samples' in fields:
            fields['samples'] = [osp.abspath(p) for p in fields['samples']]
        self.fields.update(fields, updated=time.time())
        atomic_write_bytes(
            json.dumps(self.fields, indent=1).encode(), self.path)
        return dict(self.fields)


@HOOKS.register_module()
class ProgressFileHook(Hook):
    """Rewrite ``WORK_DIR/progress.json`` while the train loop runs.

    Written when the run starts and its loop begins, every ``interval``
    iterations and whenever ``interval_seconds`` have passed, after each
    scale (with its snapshot) and when training ends.

    Args:
        filename (str): Name of the file in the work dir.
        interval (int): Write every ``interval`` iterations (``singan
            train`` passes the logger's, so every logged iteration has it).
        interval_seconds (float): Write at least this often while training.
        final_status (str): Status written when training ends: ``'done'``,
            or ``'sampling'`` when the caller writes samples afterwards and
            then ``'done'`` itself (``singan train``).
        clock (Callable[[], float], optional): Time source (tests).
    """

    priority = 'LOWEST'  # after the snapshot and checkpoint hooks

    def __init__(self, filename: str = PROGRESS_FILE, interval: int = 10,
                 interval_seconds: float = 2.0, final_status: str = 'done',
                 clock: Optional[Callable[[], float]] = None) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval={interval!r} must be an integer '
                             '>= 1.')
        if not interval_seconds > 0:
            raise ValueError(f'interval_seconds={interval_seconds!r} must be '
                             '> 0.')
        if final_status not in ('done', 'sampling'):
            raise ValueError(f"final_status={final_status!r}: use 'done' or "
                             "'sampling'.")
        self.filename = filename
        self.interval = interval
        self.interval_seconds = interval_seconds
        self.final_status = final_status
        self.clock = clock or time.monotonic
        self._file: Optional[ProgressFile] = None
        self._last = 0.0

    @master_only
    def before_run(self, runner) -> None:
        """A fresh file: the run is starting."""
        self._file = ProgressFile(osp.join(runner.work_dir, self.filename))
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        self._write(runner, status='starting', num_scales=model.num_scales + 1,
                    max_iters=runner.max_iters)

    @master_only
    def before_train_epoch(self, runner) -> None:
        """The loop has its position (resumed or not) and its ETA."""
        self._write(runner, status='training')

    @master_only
    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Every ``interval`` iterations, or ``interval_seconds``."""
        if self.every_n_train_iters(runner, self.interval) or \
                self.clock() - self._last >= self.interval_seconds:
            self._write(runner, status='training', iter=runner.iter + 1)

    @master_only
    def after_train_scale(self, runner, scale: int, real=None) -> None:
        """A scale finished: its snapshot is the latest."""
        self._write(runner, status='training', iter=runner.iter)

    @master_only
    def after_train(self, runner) -> None:
        """Training finished: 100%, nothing left."""
        self._write(runner, status=self.final_status, iter=runner.iter,
                    percent=100.0, eta_s=0.0)

    def _write(self, runner, **fields) -> None:
        """The loop's position and the latest files, with ``fields``."""
        if self._file is None:  # not the master process
            return
        progress = getattr(runner.train_loop, 'progress', None)
        info = dict(progress()) if callable(progress) else {}
        if 'num_scales' in info:  # the loop counts the finest index
            info['num_scales'] += 1
            if info['scale'] >= info['num_scales']:  # after the last scale
                info.update(scale=info['num_scales'] - 1,
                            scale_iter=info['iters_per_scale'])
        hub = runner.message_hub
        info.update(max_iters=runner.max_iters, iter=runner.iter,
                    snapshot=hub.get_info(SNAPSHOT_INFO),
                    checkpoint=hub.get_info(CHECKPOINT_INFO),
                    pickle=hub.get_info(PICKLE_INFO))
        info.update(fields)
        self._file.update(**info)
        self._last = self.clock()
