"""What the app makes from a finished job, without a browser.

The job is the session's tiny model (``tests/conftest.py``) put into a job
folder as ``singan train`` leaves it: the work dir with the dumped config,
the checkpoint and pickle, and ``progress.json`` saying ``done``.
"""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
from PIL import Image

from app_deps import require
from conftest import BALLOONS

require('gradio', 'pip install -r requirements-test.txt')

from singan.fileio import read_image  # noqa: E402
from singan.webapp import results  # noqa: E402
from singan.webapp.jobs import Job  # noqa: E402


@pytest.fixture
def done_job(tiny_run, tmp_path) -> Job:
    """A finished job around the session's tiny model (preset paper)."""
    folder = tmp_path / 'jobs' / '20260101-000000-abcdef'
    work = folder / 'work'
    shutil.copytree(tiny_run.work_dir, work)
    checkpoint = work / osp.basename(tiny_run.checkpoint)
    pickle = work / 'pickle' / osp.basename(tiny_run.pickle)
    (work / 'progress.json').write_text(json.dumps(dict(
        status='done', checkpoint=str(checkpoint), pickle=str(pickle),
        samples=[])))
    shutil.copyfile(BALLOONS, folder / 'input.png')
    (folder / 'job.json').write_text(json.dumps(dict(
        id=folder.name, name='balloons.png', image='input.png',
        preset='paper', seed=0)))
    return Job(str(folder))


def test_samples_of_any_size(done_job):
    made = results.make_samples(done_job, 2, 1, 2, 0, seed=3)
    assert len(made) == 2
    height, width = results.job_model(done_job).model.sizes[-1]
    image = read_image(made[0][0])
    assert image.shape[:2] == (height, 2 * width)
    assert '1x2' in made[0][1]
    again = results.make_samples(done_job, 2, 1, 2, 0, seed=3)
    assert np.array_equal(read_image(again[1][0]), read_image(made[1][0]))


def test_start_scale_keeps_training_size(done_job):
    made = results.make_samples(done_job, 1, 1, 1, 2)
    assert 'start scale 2' in made[0][1]
    with pytest.raises(ValueError, match='set both size factors to 1'):
        results.make_samples(done_job, 1, 1, 2, 2)
    with pytest.raises(ValueError, match='start scale=99 is out of range'):
        results.make_samples(done_job, 1, 1, 1, 99)


def test_paste_and_harmonize(done_job):
    background = read_image(done_job.image)
    obj = np.zeros((10, 10, 4), np.uint8)
    obj[2:8, 2:8] = (255, 0, 0, 255)  # a red square, cut out by alpha
    paste, mask = results.paste_object(background, obj, 40, 40, 20)
    assert paste.shape == background.shape and mask.any()
    assert (paste[mask > 0] == (255, 0, 0)).all()
    path, caption = results.make_injection(done_job, paste, mask,
                                           'harmonize', 1)
    # at the photo's full resolution, not the model's, and the photo's own
    # pixels far from the mask
    result = read_image(path)
    assert result.shape == paste.shape == (186, 248, 3)
    assert tuple(results.job_model(done_job).model.sizes[-1]) != (186, 248)
    assert np.array_equal(result[:20, :20], paste[:20, :20])
    assert caption == 'harmonize, start scale 1'
    with pytest.raises(ValueError, match='The mask is empty'):
        results.make_injection(done_job, paste, mask * 0, 'edit', 1)


def test_animation_gif_and_downloads(done_job):
    path = results.make_animation(done_job, 3, 1, 0.1)
    with Image.open(path) as gif:
        assert gif.n_frames == 3
    files = results.downloads(done_job)
    assert [osp.splitext(f)[1] for f in files] == ['.pth', '.pkl']


def test_unfinished_job_is_refused(done_job):
    with open(osp.join(done_job.work_dir, 'progress.json'), 'w') as f:
        json.dump(dict(status='training'), f)
    with pytest.raises(ValueError, match='has not finished training'):
        results.make_samples(done_job, 1, 1, 1, 0)
