"""Models trained elsewhere, opened in ``singan app --model``.

    singan app --model work_dirs/photo              # ours: a work dir
    singan app --model iter_1080.pth [--pkl P.pkl]  # a checkpoint (mmagic's)
    singan app --model work_dirs/authors_balloons   # tools/import_authors.py

The model is given on the command line, never uploaded: opening a file is
the decision of whoever starts the server. It is read through the same safe
loader as every model of the app (``apis.load_model_and_config``: restricted
unpickling, the stored config parsed as plain settings, never run), checked
once here, and copied with its pickle and training image into a job of its
own (``kind='opened'``, its ``progress.json`` saying ``done``), so the page
treats it as a finished training: samples, paste and harmonize, animation
and the downloads work on it, and a reload (``?job=ID``) finds it again.
"""
import json
import os
import os.path as osp
import secrets
import shutil
import time
from typing import Optional, Tuple

from .. import apis
from ..cli import UserInputError
from ..apis.trained_run import last_checkpoint
from ..fileio.atomic import atomic_write_bytes
from .jobs import Job, JobStore

__all__ = ['OPENED', 'open_model']

#: ``kind`` and ``preset`` of an opened model's job.
OPENED = 'opened'


def _model_files(model: str, pkl: Optional[str]) -> Tuple[str, Optional[str]]:
    """``(checkpoint, pickle)`` of a work dir or a checkpoint file."""
    if osp.isdir(model):
        checkpoint = last_checkpoint(model)
    elif osp.isfile(model):
        checkpoint = model
    else:
        raise UserInputError(
            f'--model {model!r} does not exist. Pass a work dir (e.g. '
            'work_dirs/photo, or the --out-dir of tools/import_authors.py) '
            'or a checkpoint file (.pth).')
    if pkl is not None and not osp.isfile(pkl):
        raise UserInputError(f'--pkl {pkl!r} does not exist. Pass the '
                             'pickle written with the checkpoint.')
    return checkpoint, pkl or apis.find_pickle(checkpoint)


def _training_image(cfg, image: Optional[str], model: str) -> str:
    """The training image: ``--image``, else the one the config names."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    path = image or dataset.get('data_root') or ''
    if not osp.isfile(path):
        raise UserInputError(
            f'The model {model!r} was trained on {path!r}, which is not '
            'here; the page shows and edits that image. Pass it with '
            '--image PATH.')
    return path


def open_model(store: JobStore, model: str, pkl: Optional[str] = None,
               image: Optional[str] = None) -> Job:
    """Check a model trained elsewhere and make it a finished job.

    Args:
        store (JobStore): The app's jobs.
        model (str): A work dir (its last checkpoint, the pickle beside it)
            or a checkpoint (ours, mmagic's, an imported authors' model).
        pkl (str, optional): Its pickle of fixed noises; ``None``: the one
            beside the checkpoint, else the state stored in it.
        image (str, optional): Its training image, if it moved.

    Returns:
        Job: The new job, ``done``.

    Raises:
        UserInputError: The files are missing or do not load.
    """
    checkpoint, pickle = _model_files(model, pkl)
    try:
        loaded, cfg = apis.load_model_and_config(None, checkpoint, pickle)
        source = _training_image(cfg, image, model)
        cfg.train_dataloader.dataset.data_root = source
        apis.training_pyramid(cfg, loaded.sizes)
    except (ValueError, OSError) as err:
        raise UserInputError(f'--model {model!r} cannot be opened: {err}'
                             ) from None
    job_id = time.strftime('%Y%m%d-%H%M%S-') + OPENED + secrets.token_hex(3)
    folder = osp.join(store.root, job_id)
    work = osp.join(folder, 'work')
    os.makedirs(osp.join(work, 'pickle'))
    state = dict(status='done', percent=100.0, checkpoint=osp.join(
        work, osp.basename(checkpoint)), pickle=None)
    shutil.copyfile(checkpoint, state['checkpoint'])
    if pickle:
        state['pickle'] = osp.join(work, 'pickle', osp.basename(pickle))
        shutil.copyfile(pickle, state['pickle'])
    name = 'input' + (osp.splitext(source)[1].lower() or '.png')
    shutil.copyfile(source, osp.join(folder, name))
    _write_json(osp.join(work, 'progress.json'), state)
    _write_json(osp.join(folder, 'job.json'), dict(
        id=job_id, kind=OPENED, preset=OPENED, image=name,
        name=osp.basename(osp.normpath(model)), source=osp.abspath(model),
        created=time.time()))
    return Job(folder)


def _write_json(path: str, value: dict) -> None:
    """Write ``value`` as JSON, atomically."""
    atomic_write_bytes(json.dumps(value, indent=1).encode(), path)
