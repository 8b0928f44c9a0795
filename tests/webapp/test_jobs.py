"""The app's job store, without a browser: upload checks, busy, reattach.

Training is replaced by a small script that writes ``progress.json`` as
``singan train`` does (the command is an argument of ``JobStore``), so
these tests take seconds; ``test_browser.py`` trains for real.
"""
import json
import os
import os.path as osp
import signal
import sys
import textwrap
import time

import cv2
import numpy as np
import pytest

from app_deps import require

require('gradio', "pip install -r requirements-test.txt (or "
        "'singan-mmengine[demo]')")

from singan.webapp.jobs import BusyError, JobStore  # noqa: E402
from singan.webapp.uploads import UploadError  # noqa: E402

#: Stands in for ``singan train``: writes progress.json, then behaves as
#: told by its second argument.
FAKE_TRAIN = textwrap.dedent('''
    import json, os, sys, time
    work, how = sys.argv[1], sys.argv[2]
    def write(**fields):
        path = os.path.join(work, 'progress.json')
        with open(path + '.tmp', 'w') as f:
            json.dump(fields, f)
        os.replace(path + '.tmp', path)
    if how == 'train':
        write(status='training', scale=1, num_scales=3, percent=40.0,
              eta_s=150.0)
        time.sleep(60)
    elif how == 'crash':
        write(status='training', scale=0, num_scales=3, percent=5.0,
              eta_s=None)
        print('error: out of memory (simulated)', flush=True)
        sys.exit(2)
    else:
        write(status='done', scale=2, num_scales=3, percent=100.0,
              eta_s=0.0, samples=[])
''')


def write_image(path, width=40, height=30) -> str:
    """A small RGB test image."""
    rng = np.random.default_rng(0)
    cv2.imwrite(str(path), rng.integers(0, 255, (height, width, 3),
                                        dtype=np.uint8))
    return str(path)


@pytest.fixture
def fake_store(tmp_path):
    """``JobStore(how)`` over ``tmp_path/jobs`` with the fake trainer."""
    script = tmp_path / 'fake_train.py'
    script.write_text(FAKE_TRAIN)
    stores = []

    def make(how='train', **kwargs):
        def command(image, preset, work_dir, seed, schedule):
            return [sys.executable, str(script), work_dir, how]
        store = JobStore(str(tmp_path / 'jobs'), command=command, **kwargs)
        stores.append(store)
        return store

    yield make
    for store in stores:  # no training outlives its test
        for job in store.jobs():
            if job.alive():
                os.killpg(job.params['pid'], signal.SIGKILL)


def wait_for(predicate, timeout=20.0):
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f'not true within {timeout} s: {predicate}')


def test_not_an_image_is_refused_before_training(fake_store, tmp_path):
    store = fake_store()
    text = tmp_path / 'notes.png'
    text.write_text('these are not pixels')
    with pytest.raises(UploadError, match='notes.png is not an image') as err:
        store.submit(str(text), 'demo')
    assert str(tmp_path) not in str(err.value)  # the user's name, no path
    assert store.jobs() == []  # nothing was started


def test_too_large_file_is_refused(fake_store, tmp_path):
    store = fake_store(max_bytes=1000)
    image = write_image(tmp_path / 'photo.png', 200, 150)
    assert osp.getsize(image) > 1000
    with pytest.raises(UploadError, match=r'photo.png is 0.\d MB, more '
                       'than the 0 MB this app accepts'):
        store.submit(image, 'demo')
    assert store.jobs() == []


def test_too_many_pixels_are_refused(fake_store, tmp_path):
    store = fake_store(max_pixels=1000)
    image = write_image(tmp_path / 'photo.png', 40, 30)
    with pytest.raises(UploadError, match='photo.png is 40x30 .* more than'
                       ' the 0.001 MP this app accepts. Scale it down'):
        store.submit(image, 'demo')
    assert store.jobs() == []


def test_too_small_for_the_network_is_refused(fake_store, tmp_path):
    store = fake_store()
    image = write_image(tmp_path / 'tiny.png', 10, 8)
    with pytest.raises(UploadError, match='network needs at least 11 px'):
        store.submit(image, 'demo')
    # capped to a 32 px finest scale, 40x30 is below min_size 25
    small = fake_store(schedule=(32, 4))
    with pytest.raises(UploadError, match='smaller than min_size=25'):
        small.submit(write_image(tmp_path / 'photo.png'), 'demo')


def test_busy_message_names_jobs_and_wait(fake_store, tmp_path):
    store = fake_store('train', max_jobs=1)
    image = write_image(tmp_path / 'photo.png')
    first = store.submit(image, 'demo', name='photo.png')
    wait_for(lambda: first.state()['status'] == 'training')
    with pytest.raises(BusyError) as err:
        store.submit(image, 'demo')
    message = str(err.value)
    assert message.startswith('busy: 1 job training (at most 1 at a time)'
                              ', try again in ~2 min'), message
    assert first.id in message
    assert len(store.jobs()) == 1


def test_new_store_reattaches_to_running_job(fake_store, tmp_path):
    store = fake_store('train', max_jobs=1)
    job = store.submit(write_image(tmp_path / 'photo.png'), 'demo')
    wait_for(lambda: job.state()['status'] == 'training')
    reloaded = JobStore(store.root)  # a reload, a restarted server
    again = reloaded.get(job.id)
    assert again.state()['percent'] == 40.0
    assert [j.id for j in reloaded.running()] == [job.id]
    with pytest.raises(BusyError):  # the new store counts it too
        fake_store('train', max_jobs=1).submit(
            write_image(tmp_path / 'other.png'), 'demo')
    with open(osp.join(again.folder, 'job.json')) as f:
        assert json.load(f)['preset'] == 'demo'


def test_stop_frees_the_slot(fake_store, tmp_path):
    store = fake_store('train', max_jobs=1)
    image = write_image(tmp_path / 'photo.png')
    job = store.submit(image, 'demo')
    wait_for(lambda: job.state()['status'] == 'training')
    store.stop(job.id)
    wait_for(lambda: not job.alive())
    state = store.get(job.id).state()
    assert state['status'] == 'failed'
    assert state['error'].startswith('stopped from the page')
    assert store.root not in state['error']  # shown in the page
    assert store.submit(image, 'demo').id != job.id


def test_dead_training_is_reported_failed(fake_store, tmp_path):
    store = fake_store('crash')
    job = store.submit(write_image(tmp_path / 'photo.png'), 'demo')
    wait_for(lambda: not job.alive())
    state = store.get(job.id).state()
    assert state['status'] == 'failed'
    assert 'error: out of memory (simulated)' in state['error']
    assert store.running() == []  # the slot is free again


def test_done_job_frees_its_slot(fake_store, tmp_path):
    store = fake_store('done', max_jobs=1)
    first = store.submit(write_image(tmp_path / 'photo.png'), 'demo')
    wait_for(lambda: first.state()['status'] == 'done')
    second = store.submit(write_image(tmp_path / 'photo.png'), 'demo')
    assert second.id != first.id
    assert [j.id for j in store.jobs()][-1] == first.id  # newest first


def test_unknown_job_is_a_clear_error(fake_store):
    store = fake_store()
    with pytest.raises(ValueError, match="No job 'nope' on this server"
                       ) as err:
        store.get('nope')
    assert store.root not in str(err.value)
    with pytest.raises(ValueError, match="No job '../etc'"):
        store.get('../etc')


def test_page_says_why_and_starts_nothing(fake_store, tmp_path):
    from singan.webapp.page import NO_PHOTO, Page, hide_paths
    store = fake_store('train', max_jobs=1)
    page = Page(store)
    # nothing uploaded, no bundled image chosen: nothing starts
    assert page.submit(None, None, 'demo', 0)[1] == NO_PHOTO
    # a refused upload: the page says what and why, without the path,
    # and Train starts nothing even with a bundled image chosen as well
    bad = tmp_path / 'upload_dir' / 'notes.png'
    bad.parent.mkdir()
    bad.write_text('these are not pixels')
    checked, _ = page.check_photo(str(bad), 'demo')
    assert 'notes.png is not an image this app can read' in checked
    assert 'nothing was started' in checked
    _, said = page.submit(str(bad), 'balloons.png', 'demo', 0)
    assert 'notes.png is not an image' in said
    assert 'Nothing was started' in said
    for text in (checked, said):
        assert str(tmp_path) not in text and '/notes.png' not in text
    assert store.jobs() == []
    # an accepted one says its size and trains
    good = write_image(tmp_path / 'photo.png')
    assert page.check_photo(good, 'demo')[0].startswith(
        '✅ photo.png: 40x30 px')
    _, said = page.submit(good, None, 'demo', 0)
    assert said.startswith('Started job') and len(store.jobs()) == 1
    assert hide_paths("'/tmp/gradio/ab12/photo.jpg' at http://h/p") == \
        "'photo.jpg' at http://h/p"
