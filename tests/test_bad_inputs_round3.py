"""Issue 25, 2 and 3: inputs checked before memory is spent, true reasons.

Each test is a row of the tables in ``docs/reliability.md`` (round 3). Big
inputs cost nothing here: a 2 GiB photo is a sparse file, a 20000x20000 PNG
is a valid header over one pixel of data, and a 20000x20000 array is a
``np.broadcast_to`` view; each must be refused before it is read, decoded
or converted (the decoder is replaced by one that fails the test, or the
process's peak memory is read around the call).
"""
import errno
import io
import os
import os.path as osp
import socket
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
import torch
from conftest import BALLOONS, ROOT, TINY_CONFIG, TINY_OPTIONS, run_tool

from singan.apis import SinGANInferencer
from singan.apis.request_checks import check_count, check_number
from singan.fileio import load_checkpoint_file, load_pickle
from singan.fileio import image_io
from singan.fileio.image_io import (ImageLoadError, ImageTooLargeError,
                                    image_header_size, read_image)
from singan.fileio.paths import InputFileError, check_input_file
from singan.resources import find_config

Image = pytest.importorskip('PIL.Image')


# ---------------------------------------------------------------- inputs
def huge_png(path, width=20000, height=20000) -> str:
    """A PNG whose header says ``width x height`` over one pixel of data."""
    ok, data = cv2.imencode('.png', np.zeros((1, 1, 3), np.uint8))
    data = bytearray(data.tobytes())
    data[16:24] = struct.pack('>II', width, height)
    data[29:33] = struct.pack('>I', zlib.crc32(bytes(data[12:29])))
    with open(path, 'wb') as f:
        f.write(data)
    return str(path)


def bomb_bmp(path, width=20000, height=20000) -> str:
    """A BMP header of ``width x height`` (Pillow's bomb guard refuses)."""
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(buffer, 'BMP')
    data = bytearray(buffer.getvalue())
    data[18:26] = struct.pack('<ii', width, height)
    with open(path, 'wb') as f:
        f.write(data)
    return str(path)


def sparse_file(path, size=2 * 2**30) -> str:
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, 'wb') as f:
        f.truncate(size)
    return str(path)


def _no_decoding(monkeypatch):
    """Fail the test if any image bytes are read or decoded."""
    def refuse(*args, **kwargs):
        raise AssertionError('the image was read or decoded')
    monkeypatch.setattr(image_io.cv2, 'imdecode', refuse)
    monkeypatch.setattr(image_io.np, 'fromfile', refuse)


def _peak_increase(call) -> int:
    """Bytes the process's peak resident memory grew by during ``call``."""
    def status(key):
        with open('/proc/self/status') as f:
            line = next(x for x in f if x.startswith(key + ':'))
        return int(line.split()[1]) * 1024
    before = status('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset VmHWM to the current size
    call()
    return status('VmHWM') - before


# --------------------------------------------- the photo: size and header
def test_2gib_photo_is_refused_before_reading(tmp_path, monkeypatch):
    path = sparse_file(tmp_path / 'big.png')
    _no_decoding(monkeypatch)
    with pytest.raises(ImageTooLargeError, match=r"'.*big.png' is 2.0 GB, "
                       'more than the 512 MB an image may be'):
        read_image(path)


def test_header_sizes_without_decoding(tmp_path, monkeypatch):
    rgb = np.zeros((30, 40, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(rgb).save(tmp_path / 'a.jpg', exif=exif.tobytes())
    Image.fromarray(rgb).save(tmp_path / 'a.png')
    Image.fromarray(rgb).save(tmp_path / 'a.webp')
    Image.fromarray(rgb).save(tmp_path / 'a.tif')
    _no_decoding(monkeypatch)
    for name in ('a.jpg', 'a.png', 'a.webp', 'a.tif'):
        assert image_header_size(tmp_path / name) == (40, 30), name
    assert image_header_size(huge_png(tmp_path / 'h.png')) == (20000, 20000)
    (tmp_path / 'text.png').write_text('not an image')
    assert image_header_size(tmp_path / 'text.png') is None


def test_20000px_png_is_refused_before_decoding(tmp_path, monkeypatch):
    path = huge_png(tmp_path / 'huge.png')
    _no_decoding(monkeypatch)
    with pytest.raises(ImageTooLargeError, match=r'is 20000x20000 \(WxH\), '
                       '400.0 megapixels, more than the 179 MP decoded '
                       'here.*Scale it down'):
        read_image(path)


def test_bomb_guard_means_too_large(tmp_path, monkeypatch):
    path = bomb_bmp(tmp_path / 'bomb.bmp')
    _no_decoding(monkeypatch)
    with pytest.raises(ImageTooLargeError, match='more than 179 megapixels '
                       r'\(Image size \(400000000 pixels\)'):
        read_image(path)


def test_opencv_error_is_an_image_error(tmp_path, monkeypatch):
    def fail(*args):
        raise cv2.error('OpenCV(5.1.0) imgcodecs: image is too big')
    monkeypatch.setattr(image_io.cv2, 'imdecode', fail)
    with pytest.raises(ImageLoadError, match='cannot be decoded by OpenCV '
                       r'\(OpenCV\(5.1.0\) imgcodecs: image is too big\)'):
        read_image(BALLOONS)


# --------------------------------------------- every kind of path, its reason
def _path_of_kind(tmp_path, kind: str) -> str:
    """A path of each kind that is no image file."""
    path = str(tmp_path / kind)
    if kind == 'folder':
        os.makedirs(path)
    elif kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'socket':
        path = str(tmp_path / 's')  # AF_UNIX paths are short
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
        sock.close()
    elif kind == 'dangling link':
        os.symlink(str(tmp_path / 'gone.png'), path)
    return {'char device': '/dev/zero', 'http': 'http://example.com/a.png',
            'https': 'https://example.com/p/a.jpg?x=1',
            'ftp': 'ftp://example.com/a.png'}.get(kind, path)


PATH_KINDS = {
    'missing': 'does not exist. Check the path',
    'folder': 'is a folder; give the path of one image file',
    'fifo': 'is a named pipe (FIFO), not a regular file',
    'socket': 'is a socket, not a regular file',
    'char device': 'is a character device, not a regular file',
    'dangling link': 'is a symbolic link to',
    'http': "is a URL; only local files are read. Download it first (e.g. "
            "curl -L -o a.png 'http://example.com/a.png')",
    'https': "is a URL; only local files are read. Download it first (e.g. "
             'curl -L -o a.jpg',
    'ftp': 'is a URL',
}


@pytest.mark.parametrize('kind', list(PATH_KINDS))
def test_image_path_kind_gets_its_reason(tmp_path, kind):
    path = _path_of_kind(tmp_path, kind)
    with pytest.raises(ImageLoadError) as info:
        read_image(path)
    assert PATH_KINDS[kind] in str(info.value)
    assert '0 bytes' not in str(info.value)


@pytest.mark.parametrize('kind, error, text', [
    ('missing', FileNotFoundError, 'does not exist'),
    ('folder', IsADirectoryError, 'is a folder, not a file'),
    ('fifo', InputFileError, 'is a named pipe (FIFO)'),
    ('char device', InputFileError, 'is a character device'),
    ('https', FileNotFoundError, 'is a URL'),
])
def test_checkpoint_and_pickle_path_kinds(tmp_path, kind, error, text):
    path = _path_of_kind(tmp_path, kind)
    for load in (load_checkpoint_file, load_pickle):
        with pytest.raises(error, match=text.replace('(', r'\(').replace(
                ')', r'\)')):
            load(path)
    fix = 'give the local path' if kind == 'https' else 'FIX'
    with pytest.raises(error, match=fix):  # the URL's own fix: download
        check_input_file(path, 'Checkpoint', 'FIX')


def test_url_in_cfg_options_is_named_so():
    from mmengine.config import Config

    from singan.cli import UserInputError
    from singan.config_keys import check_option_paths
    url = 'https://example.com/a.png'
    cfg = Config(dict(train_dataloader=dict(dataset=dict(data_root=url)),
                      load_from='https://example.com/a.pth'))
    with pytest.raises(UserInputError, match='data_root .from --cfg-options.'
                       ": The file 'https://example.com/a.png' is a URL"):
        check_option_paths(cfg, {'train_dataloader.dataset.data_root': url})
    # mmengine downloads a load_from URL itself
    check_option_paths(cfg, {'load_from': 'https://example.com/a.pth'})


def test_config_path_kinds(tmp_path):
    with pytest.raises(FileNotFoundError, match="Config 'https://x.org/c.py"
                       "' is a URL"):
        find_config('https://x.org/c.py')
    with pytest.raises(IsADirectoryError, match='is a folder; give a config '
                       'file'):
        find_config(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='is a character device'):
        find_config('/dev/null')


# ----------------------------------------------------- the app's uploads
webapp = pytest.importorskip('singan.webapp.uploads')


def _settings():
    return webapp.PyramidSettings(min_size=25, max_size=250, field=11)


def test_20000px_upload_is_refused_from_its_header(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('the upload was decoded')
    monkeypatch.setattr(webapp, 'read_image', refuse)
    _no_decoding(monkeypatch)
    with pytest.raises(webapp.UploadError, match=r'huge.png is 20000x20000 '
                       r'\(WxH\), 400.0 megapixels, more than the 40 MP'):
        webapp.check_upload(huge_png(tmp_path / 'huge.png'), _settings())
    with pytest.raises(webapp.UploadError, match='bomb.bmp has more '
                       'megapixels than the 40 MP this app accepts'):
        webapp.check_upload(bomb_bmp(tmp_path / 'bomb.bmp'), _settings())
    (tmp_path / 'notes.png').write_text('these are not pixels')
    with pytest.raises(webapp.UploadError, match='notes.png is not an image '
                       'this app can read: no JPEG, PNG'):
        webapp.check_upload(str(tmp_path / 'notes.png'), _settings())


def test_refused_upload_is_removed_from_the_upload_folder(tmp_path,
                                                          monkeypatch):
    uploads = tmp_path / 'gradio'
    monkeypatch.setenv('GRADIO_TEMP_DIR', str(uploads))
    (uploads / 'abc123').mkdir(parents=True)
    (uploads / 'def456').mkdir(parents=True)
    refused = huge_png(uploads / 'abc123' / 'huge.png')
    kept = huge_png(uploads / 'def456' / 'other.png')
    outside = huge_png(tmp_path / 'bundled.png')
    try:
        webapp.check_upload(refused, _settings())
    except webapp.UploadError as err:
        webapp.discard_refused_upload(refused, err)
        webapp.discard_refused_upload(outside, err)  # not an upload: kept
        # another preset could take it, or the app was busy: kept
        webapp.discard_refused_upload(kept, webapp.UploadError('x', False))
    assert not osp.exists(refused) and not osp.exists(uploads / 'abc123')
    assert osp.exists(kept) and osp.exists(outside)


def test_page_removes_a_refused_upload(tmp_path, monkeypatch):
    pytest.importorskip('gradio')
    from singan.webapp.jobs import JobStore
    from singan.webapp.page import Page
    monkeypatch.setenv('GRADIO_TEMP_DIR', str(tmp_path / 'gradio'))
    (tmp_path / 'gradio' / 'abc').mkdir(parents=True)
    upload = huge_png(tmp_path / 'gradio' / 'abc' / 'huge.png')
    page = Page(JobStore(str(tmp_path / 'jobs')))
    _, message = page.submit(upload, None, 'demo', 0)
    assert 'huge.png is 20000x20000' in message
    assert not osp.exists(upload)
    assert os.listdir(tmp_path / 'jobs') == []


def test_jobs_dir_that_is_a_file_or_read_only(tmp_path, monkeypatch):
    from singan.webapp.jobs import JobStore
    (tmp_path / 'file').write_text('x')
    with pytest.raises(OSError, match='given with --jobs-dir is a file, not '
                       'a folder'):
        JobStore(str(tmp_path / 'file'))
    with pytest.raises(OSError, match=r'given with --jobs-dir is not '
                       r'writable \(Not a directory\). Choose a writable '
                       'folder with --jobs-dir'):
        JobStore(str(tmp_path / 'file' / 'jobs'))

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, 'Read-only file system')
    monkeypatch.setattr('singan.fileio.paths.tempfile.TemporaryFile',
                        read_only)
    with pytest.raises(OSError, match=r'not writable \(Read-only file '
                       r'system\)'):
        JobStore(str(tmp_path / 'jobs'))


@pytest.mark.parametrize('code, text', [
    (errno.ENOSPC, r'is full \(No space left on device\).*Free space '
     'there, or restart the app with another --jobs-dir'),
    (errno.EROFS, r'cannot be written \(Read-only file system\).*Restart '
     'the app with a writable --jobs-dir'),
])
def test_disk_full_in_the_app_leaves_no_job(tmp_path, monkeypatch, code,
                                            text):
    from singan.webapp import jobs
    store = jobs.JobStore(str(tmp_path / 'jobs'), command=lambda *a: [
        sys.executable, '-c', 'pass'])
    photo = str(tmp_path / 'photo.png')
    cv2.imwrite(photo, np.random.default_rng(0).integers(
        0, 255, (60, 80, 3), np.uint8))

    def copy_fails(source, target):
        with open(target, 'wb'):
            pass  # the empty input.png of the issue
        raise OSError(code, os.strerror(code), target)
    monkeypatch.setattr(jobs.shutil, 'copyfile', copy_fails)
    with pytest.raises(webapp.UploadError, match=text) as info:
        store.submit(photo, 'demo')
    assert 'nothing of this job was kept' in str(info.value)
    assert not info.value.final  # the upload is kept for a retry
    assert os.listdir(store.root) == [] and store.jobs() == []


# ------------------------------------------------------ the Python API
@pytest.fixture(scope='module')
def inferencer(tiny_run):
    return SinGANInferencer(tiny_run.checkpoint, device='cpu',
                            show_progress=False)


def test_super_resolve_refuses_a_20000px_array_before_converting(
        inferencer):
    big = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20000, 20000, 3))
    errors = []

    def call():
        try:
            inferencer.super_resolve(big, factor=2)
        except ImageTooLargeError as err:
            errors.append(str(err))
    grown = _peak_increase(call)
    assert errors and 'The input is 20000x20000 (WxH), 400.0 megapixels' \
        in errors[0], errors
    assert grown < 100 * 2**20, f'peak grew by {grown / 2**20:.0f} MB'


def test_super_resolve_checks_memory_from_the_shape(inferencer):
    big = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (8000, 8000, 3))
    inferencer.max_memory = 1
    errors = []

    def call():
        try:
            inferencer.super_resolve(big, factor=4)
        except ValueError as err:
            errors.append(str(err))
    try:
        grown = _peak_increase(call)
    finally:
        inferencer.max_memory = None
    assert errors and '--factor 4 on a 8000x8000 (WxH) input' in errors[0]
    assert grown < 100 * 2**20, f'peak grew by {grown / 2**20:.0f} MB'


@pytest.mark.parametrize('image, text', [
    (torch.full((3, 36, 48), float('nan')), 'holds NaN or infinite values'),
    (torch.full((1, 3, 36, 48), float('inf')), 'holds NaN or infinite'),
    (torch.full((3, 36, 48), 200.0), 'values in [200, 200]; expected '
     'values in [-1, 1]. They look like 0..255 pixel values: pass '
     't / 127.5 - 1'),
    (torch.zeros((3, 36, 48), dtype=torch.uint8), 'is a torch.uint8 tensor'),
    (torch.zeros((3, 0, 0)), 'is 0x0 (WxH): it has no pixels'),
    (np.zeros((0, 0, 3), np.uint8), 'is 0x0 (WxH): it has no pixels'),
    (np.zeros((36, 48, 3), np.float32), 'is a float32 array'),
    (np.zeros((36, 48, 3), bool), 'is a bool array'),
    (np.zeros((36, 48, 2), np.uint8), 'has shape (36, 48, 2)'),
    (None, 'is NoneType'),
])
def test_harmonize_checks_its_image(inferencer, image, text):
    mask = np.ones((36, 48), np.uint8) * 255
    with pytest.raises(ValueError) as info:
        inferencer.harmonize(image, mask)
    assert text in str(info.value), str(info.value)


@pytest.mark.parametrize('mask, text', [
    (np.full((36, 48), np.nan, np.float32), 'holds NaN or infinite'),
    (np.full((36, 48), 255.0), 'They look like 0..255 values: pass mask '
     '/ 255'),
    (torch.full((1, 1, 36, 48), float('nan')), 'holds NaN or infinite'),
    (np.zeros((0, 5), np.uint8), 'is 5x0 (WxH): it has no pixels'),
])
def test_harmonize_checks_its_mask(inferencer, mask, text):
    image = np.zeros((36, 48, 3), np.uint8)
    with pytest.raises(ValueError) as info:
        inferencer.harmonize(image, mask)
    assert text in str(info.value), str(info.value)


def test_every_image_argument_is_checked(inferencer):
    nan = torch.full((3, 36, 48), float('nan'))
    good = np.zeros((36, 48, 3), np.uint8)
    mask = np.full((36, 48), 255, np.uint8)
    calls = [lambda: inferencer.harmonize(nan, mask),
             lambda: inferencer.edit(nan, mask),
             lambda: inferencer.paint(nan),
             lambda: inferencer.paint(good, mask=nan[:1]),
             lambda: inferencer.super_resolve(nan),
             lambda: inferencer(nan, task='super_resolve')]
    for call in calls:
        with pytest.raises(ValueError, match='NaN or infinite'):
            call()


def test_numpy_integers_are_counts(inferencer):
    out = inferencer.sample(num=np.int64(2), seed=np.int32(1))
    assert len(out['predictions']) == 2
    out = inferencer.inject(start_scale=np.int64(1), num=np.uint8(1))
    assert len(out['predictions']) == 1
    inferencer.animate(num_frames=np.int16(2), start_scale=np.int64(1))


@pytest.mark.parametrize('call, text', [
    (lambda i: i.sample(num=True), 'num=True is a bool, not an integer'),
    (lambda i: i.sample(num=2.0), 'num=2.0 is a float, not an integer; '
     'give an integer >= 1 (use 2)'),
    (lambda i: i.sample(num='2'), "num='2' is a str, not an integer"),
    (lambda i: i.sample(num=np.int64(0)), 'num=0 must be an integer >= 1'),
    (lambda i: i.sample(seed=1.5), 'seed=1.5 is a float, not an integer'),
    (lambda i: i.inject(start_scale=1.5), 'start_scale=1.5 is a float'),
    (lambda i: i.animate(num_frames=np.float64(3)), 'num_frames=3.0 is a '
     'float64'),
    (lambda i: i.animate(fps='10'), "fps='10' is a str, not a number"),
    (lambda i: i.harmonize(np.zeros((36, 48, 3), np.uint8), np.ones(
        (36, 48), np.uint8), radius=float('nan')), 'radius=nan must be a '
     'finite number >= 0 (pixels of a 250 px image)'),
    (lambda i: i.super_resolve(factor='4'), "factor='4' is a str"),
])
def test_counts_and_numbers_are_checked(inferencer, call, text):
    with pytest.raises(ValueError) as info:
        call(inferencer)
    assert text in str(info.value), str(info.value)


def test_count_and_number_checks():
    assert check_count('num', np.int64(3)) == 3
    assert type(check_count('num', np.uint16(3))) is int
    for bad in (True, np.bool_(True), 3.0, np.float32(3), '3', None):
        with pytest.raises(ValueError, match='not an integer'):
            check_count('num', bad)
    assert check_number('radius', np.float32(2.5), 0) == 2.5
    for bad in (float('inf'), float('nan'), -1):
        with pytest.raises(ValueError, match='must be a finite number >= 0'):
            check_number('radius', bad, 0)


# -------------------------------------------- through the real entry points
def _singan(*args):
    env = dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([osp.join(ROOT, 'projects')] + [
                   p for p in [os.environ.get('PYTHONPATH')] if p]))
    return subprocess.run([sys.executable, '-m', 'singan', *args],
                          capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)


def _train(image):
    return lambda ctx: run_tool(
        'train.py', TINY_CONFIG, '--work-dir', ctx['work'], '--cfg-options',
        *TINY_OPTIONS, f'train_dataloader.dataset.data_root={image(ctx)}',
        check=False, timeout=120)


def _apps(*args):
    return lambda ctx: run_tool(
        'apps.py', args[0], TINY_CONFIG,
        *[a.format(**ctx) for a in args[1:]], '--out-dir', ctx['out'],
        '--cfg-options', *TINY_OPTIONS, check=False, timeout=120)


#: name -> (command, fragments of its one error line)
CLI_CASES = {
    'train: 2 GiB photo': (_train(lambda c: c['big']),
                           ['big.png', 'is 2.0 GB', 'more than the 512 MB']),
    'train: photo is a FIFO': (_train(lambda c: c['fifo']),
                               ['is a named pipe (FIFO)', 'Save its']),
    'train: photo is a device': (_train(lambda c: '/dev/zero'),
                                 ['is a character device']),
    'train: photo is a URL': (_train(lambda c: 'https://example.com/a.png'),
                              ['is a URL', 'curl -L -o a.png']),
    'apps sample: checkpoint is a folder': (
        _apps('sample', '{dir}'),
        ['is a folder, not a file', 'WORK_DIR/iter_N.pth']),
    'apps sr: input is a FIFO': (
        _apps('sr', '{ckpt}', '--input', '{fifo}'), ['is a named pipe']),
    'apps sr: input 20000x20000': (
        _apps('sr', '{ckpt}', '--input', '{huge}'),
        ['20000x20000 (WxH)', 'use a smaller --input']),
    'apps harmonize: mask is a URL': (
        _apps('harmonize', '{ckpt}', '--input', BALLOONS, '--mask',
              'http://example.com/m.png'), ['is a URL']),
    'test: checkpoint is a FIFO': (
        lambda ctx: run_tool('test.py', TINY_CONFIG, ctx['fifo'],
                             '--cfg-options', *TINY_OPTIONS, check=False,
                             timeout=120),
        ['Checkpoint', 'is a named pipe (FIFO)']),
    'singan sample: checkpoint is a folder': (
        lambda ctx: _singan('sample', ctx['run'], ctx['dir']),
        ['is a folder, not a file']),
    'singan app: --jobs-dir is a file': (
        lambda ctx: _singan('app', '--jobs-dir', ctx['big'], '--port',
                            '7939'),
        ['given with --jobs-dir is a file, not a folder']),
    'singan app: --jobs-dir under a file': (
        lambda ctx: _singan('app', '--jobs-dir', ctx['big'] + '/jobs',
                            '--port', '7939'),
        ['given with --jobs-dir is not writable (Not a directory)']),
}


@pytest.fixture(scope='module')
def cli_results(tiny_run, tmp_path_factory, request):
    """Run every selected case (``-k``) once, two at a time."""
    selected = {item.callspec.params['name'] for item in request.session.items
                if getattr(item, 'originalname', '') ==
                'test_entry_point_gives_one_clear_line'}
    base = tmp_path_factory.mktemp('round3')
    fifo = str(base / 'fifo.png')
    os.mkfifo(fifo)
    (base / 'dir').mkdir()
    ctx = dict(big=sparse_file(base / 'big.png'), fifo=fifo,
               huge=huge_png(base / 'huge.png'), dir=str(base / 'dir'),
               ckpt=tiny_run.checkpoint, run=tiny_run.work_dir,
               out=str(base / 'out'), work=str(base / 'work'))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(case[0], ctx)
                   for name, case in CLI_CASES.items() if name in selected}
        return {name: f.result() for name, f in futures.items()}, base


@pytest.mark.parametrize('name', list(CLI_CASES))
def test_entry_point_gives_one_clear_line(cli_results, name):
    results, base = cli_results
    proc = results[name]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ')
    assert [line for line in proc.stderr.splitlines()
            if line.startswith('error: ')] == [last]
    for fragment in CLI_CASES[name][1]:
        assert fragment in last, last
    assert not osp.exists(base / 'work' / 'iter_1.pth')  # nothing trained
