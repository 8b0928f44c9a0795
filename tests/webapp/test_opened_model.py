"""``singan app --model``: models trained elsewhere in the page's jobs.

Three kinds, each opened as the server opens them and then used as the page
uses a finished job (no browser): a work dir of ours (the session's tiny
model), an mmagic checkpoint with its pickle (``tests/fixtures``), and an
authors' model imported by ``tools/import_authors.py``.
"""
import argparse
import os.path as osp
import sys

import numpy as np
import pytest

from app_deps import require
from conftest import MMAGIC_FIXTURE, run_tool

require('gradio', 'pip install -r requirements-test.txt')

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from authors_code import (authors_sizes, install_authors_package,  # noqa
                          write_authors_folder)
from singan.cli import UserInputError  # noqa: E402
from singan.fileio import read_image  # noqa: E402
from singan.webapp import add_arguments, results  # noqa: E402
from singan.webapp.jobs import JobStore  # noqa: E402
from singan.webapp.opened import open_model  # noqa: E402


@pytest.fixture
def authors_model(tmp_path, monkeypatch) -> str:
    """An authors' model (their layout and sizes), imported."""
    install_authors_package(monkeypatch)
    folder = str(tmp_path / 'TrainedModels' / 'tiny' / 'scale_factor=0.75')
    sizes, _ = authors_sizes(60, 80, min_size=16, max_size=40)
    write_authors_folder(folder, sizes)
    out = str(tmp_path / 'imported')
    run_tool('import_authors.py', folder, '--out-dir', out,
             '--trust-pickled-code')
    return out


def _use_like_the_page(job, store: JobStore) -> None:
    """Samples, a paste harmonized, an animation, the downloads."""
    assert job.state()['status'] == 'done'
    assert job.id in [j.id for j in store.jobs()]  # listed, ?job=ID
    samples = results.make_samples(job, 2, 1.0, 1.5, 0, seed=1)
    assert len(samples) == 2 and all(osp.isfile(p) for p, _ in samples)
    model = results.job_model(job)
    height, width = model.model.sizes[-1]
    assert read_image(samples[0][0]).shape == (height, round(width * 1.5), 3)
    background = read_image(job.image)
    obj = np.zeros((8, 8, 3), np.uint8)
    obj[..., 0] = 255
    paste, mask = results.paste_object(background, obj, 30, 30, 20)
    path, _ = results.make_injection(job, paste, mask, 'harmonize', 1)
    # at the model's size, or pasted back at the photo's (webapp/page.py)
    assert read_image(path).shape in ((height, width, 3), background.shape)
    clip = results.make_animation(job, 3, 1, 0.1, seed=0)
    assert clip.endswith('.gif') and osp.isfile(clip)
    files = results.downloads(job)
    assert files and all(p.startswith(store.root) for p in files)


def test_arguments():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(['--model', 'w', '--pkl', 'p.pkl'])
    assert (args.model, args.pkl, args.image) == ('w', 'p.pkl', None)


def test_our_work_dir(tiny_run, tmp_path):
    store = JobStore(str(tmp_path / 'jobs'))
    _use_like_the_page(open_model(store, tiny_run.work_dir), store)


def test_mmagic_checkpoint_with_its_pickle(tmp_path):
    store = JobStore(str(tmp_path / 'jobs'))
    ckpt = osp.join(MMAGIC_FIXTURE, 'mmagic_singan.pth')
    pkl = osp.join(MMAGIC_FIXTURE, 'mmagic_singan.pkl')
    with pytest.raises(UserInputError, match='--image PATH'):
        open_model(store, ckpt, pkl)  # its training image is elsewhere
    job = open_model(store, ckpt, pkl,
                     osp.join(MMAGIC_FIXTURE, 'train_image.png'))
    _use_like_the_page(job, store)


def test_imported_authors_model(authors_model, tmp_path):
    store = JobStore(str(tmp_path / 'jobs'))
    job = open_model(store, authors_model)
    assert results.job_model(job).model.generator.align_corners['mode'] == \
        'authors'
    _use_like_the_page(job, store)


def test_missing_model_is_refused_before_anything(tmp_path):
    store = JobStore(str(tmp_path / 'jobs'))
    with pytest.raises(UserInputError, match='does not exist'):
        open_model(store, str(tmp_path / 'nothing'))
    assert store.jobs() == []
