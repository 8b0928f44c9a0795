"""The sdist and wheel build, and the installed wheel trains by config name.

The ``slow`` tests (about 60 s on 2 cores) build an sdist and a wheel from a
clean copy of the checkout and a wheel from the unpacked sdist, install the
first wheel into a fresh venv outside the checkout, train a tiny model there
through the installed ``singan/.mim/tools/train.py`` and sample with its
``test.py``, and train a photo with the installed ``singan`` console
script. Deselect them with ``-m "not slow"``. The venv gets no copies
of torch and the other dependencies: a ``.pth`` file appends the
site-packages of the interpreter running the tests, after the venv's own,
and ``.pth`` files in appended folders are not run, so the checkout's
editable install stays out of it.
"""
import json
import os
import os.path as osp
import shutil
import site
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from email.parser import Parser
from types import SimpleNamespace

import pytest
from conftest import ROOT, TINY_OPTIONS, run_tool
from packaging.requirements import Requirement

from singan.resources import find_config, find_sample_image, list_configs

#: Files an installed user needs, by their path inside the wheel.
MIM_FILES = ('singan/.mim/configs/singan/singan_balloons.py',
             'singan/.mim/configs/singan/_base_/singan.py',
             'singan/.mim/configs/singan/mmagic_compat/singan/singan_fish.py',
             'singan/.mim/data/singan/balloons.png',
             'singan/.mim/data/singan/LICENSE',
             'singan/.mim/tools/train.py', 'singan/.mim/tools/_bootstrap.py')

#: Run in the installed venv: where singan, its config and image come from.
PROBE = """import json, singan
from singan.resources import find_config, find_sample_image
print(json.dumps(dict(package=singan.__file__,
                      config=find_config('singan_balloons'),
                      image=find_sample_image('balloons.png'))))
"""


def _run(cmd: list, cwd: str, timeout: float = 300,
         env: dict = None) -> subprocess.CompletedProcess:
    """Run ``cmd``; fail the test with its output on a non-zero status."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{cmd} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def _build_wheel(source: str, out_dir: str) -> str:
    """Build a wheel of ``source`` with the running setuptools (offline)."""
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '--no-index', '-q', '-w', out_dir, source],
         cwd=source)
    (wheel, ) = [f for f in os.listdir(out_dir) if f.endswith('.whl')]
    return osp.join(out_dir, wheel)


def _clean_tree(out_dir: str) -> str:
    """Copy the checkout's files (tracked or not ignored) to ``out_dir``.

    Building from the checkout itself would reuse its ``build/`` and
    ``*.egg-info/``, whose stale SOURCES.txt puts files in the sdist that
    MANIFEST.in no longer names.
    """
    files = _run(['git', 'ls-files', '-z', '--cached', '--others',
                  '--exclude-standard'], cwd=ROOT).stdout.split('\0')
    for name in filter(None, files):
        if osp.isfile(osp.join(ROOT, name)):  # not deleted, not a folder
            os.makedirs(osp.dirname(osp.join(out_dir, name)), exist_ok=True)
            shutil.copy2(osp.join(ROOT, name), osp.join(out_dir, name))
    return out_dir


def _build_sdist(source: str, out_dir: str) -> str:
    """Build an sdist of ``source`` through the PEP 517 hook (as ``build``)."""
    code = ('import sys; from setuptools import build_meta; '
            'print(build_meta.build_sdist(sys.argv[1]))')
    name = _run([sys.executable, '-c', code, out_dir],
                cwd=source).stdout.split()[-1]
    return osp.join(out_dir, name)


@pytest.fixture(scope='module')
def dists(tmp_path_factory) -> SimpleNamespace:
    """The sdist, a wheel of the checkout and a wheel of the sdist."""
    tmp = tmp_path_factory.mktemp('dists')
    tree = _clean_tree(str(tmp / 'checkout'))
    sdist = _build_sdist(tree, str(tmp / 'sdist'))
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / 'unpacked', filter='data')
        sdist_names = tar.getnames()
    (unpacked, ) = (tmp / 'unpacked').iterdir()
    return SimpleNamespace(
        sdist=sdist, sdist_names=sdist_names,
        wheel=_build_wheel(tree, str(tmp / 'wheel')),
        sdist_wheel=_build_wheel(str(unpacked), str(tmp / 'sdist_wheel')))


@pytest.fixture(scope='module')
def venv(dists, tmp_path_factory) -> str:
    """A fresh venv holding the checkout's wheel; returns its python."""
    root = tmp_path_factory.mktemp('venv')
    _run([sys.executable, '-m', 'venv', '--without-pip', str(root)],
         cwd=str(root))
    python = str(root / 'bin' / 'python')
    _run([sys.executable, '-m', 'pip', '--python', python, 'install', '-q',
          '--no-deps', '--no-index', dists.wheel], cwd=str(root))
    purelib = _run([python, '-c', 'import sysconfig; '
                    'print(sysconfig.get_path("purelib"))'],
                   cwd=str(root)).stdout.strip()
    with open(osp.join(purelib, '_reuse_test_deps.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    return python


def _wheel_names(wheel: str) -> set:
    """File names in a wheel, without the RECORD that hashes them."""
    with zipfile.ZipFile(wheel) as zf:
        return {n for n in zf.namelist() if not n.endswith('/RECORD')}


@pytest.mark.slow
def test_wheel_ships_configs_tools_and_images(dists):
    names = _wheel_names(dists.wheel)
    assert set(MIM_FILES) <= names
    assert not [n for n in names if '__pycache__' in n or n.endswith('.pyc')]
    configs = {n for n in names if n.startswith('singan/.mim/configs/')}
    assert len(configs) == len(
        [f for folder, _, fs in os.walk(osp.join(ROOT, 'configs'))
         for f in fs if f.endswith('.py') and '__pycache__' not in folder])


@pytest.mark.slow
def test_sdist_builds_the_same_wheel(dists):
    top = osp.basename(dists.sdist)[:-len('.tar.gz')]
    for name in ('requirements.txt', 'requirements-test.txt', 'MANIFEST.in',
                 'configs/singan/_base_/singan.py', 'data/singan/LICENSE'):
        assert f'{top}/{name}' in dists.sdist_names
    assert _wheel_names(dists.sdist_wheel) == _wheel_names(dists.wheel)


@pytest.mark.slow
def test_wheel_metadata_covers_requirements(dists):
    with zipfile.ZipFile(dists.wheel) as zf:
        (meta, ) = [n for n in zf.namelist() if n.endswith('/METADATA')]
        metadata = Parser().parsestr(zf.read(meta).decode())
    requires = [Requirement(r) for r in metadata.get_all('Requires-Dist')]
    runtime = {r.name: r for r in requires if r.marker is None}
    with open(osp.join(ROOT, 'requirements.txt')) as f:
        pinned = [Requirement(line.split('#')[0].strip()) for line in f
                  if line.split('#')[0].strip()]
    assert {r.name for r in pinned} == set(runtime)
    assert str(runtime['torch'].specifier) == '>=2.1'  # never a pin
    assert set(metadata.get_all('Provides-Extra')) == {'tests', 'demo'}


@pytest.mark.slow
def test_installed_wheel_trains_by_config_name(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PYTHONHASHSEED='0', OMP_NUM_THREADS='1')
    found = json.loads(_run([venv, '-c', PROBE], cwd=str(tmp_path),
                            env=env).stdout.splitlines()[-1])
    prefix = osp.dirname(osp.dirname(venv))
    for path in found.values():  # the wheel's copies, not the checkout
        assert path.startswith(prefix + os.sep), path
        assert not path.startswith(ROOT + os.sep), path
    mim = osp.join(osp.dirname(found['package']), '.mim')
    assert found['config'] == osp.join(mim, 'configs', 'singan',
                                       'singan_balloons.py')
    options = [o for o in TINY_OPTIONS if 'data_root=' not in o]
    options.append(f'train_dataloader.dataset.data_root={found["image"]}')
    work_dir = tmp_path / 'work'
    _run([venv, osp.join(mim, 'tools', 'train.py'), 'singan_balloons',
          '--work-dir', str(work_dir), '--cfg-options', *options],
         cwd=str(tmp_path), env=env)
    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    pkl = work_dir / 'pickle' / (osp.splitext(osp.basename(checkpoint))[0]
                                 + '.pkl')
    assert osp.isfile(checkpoint) and pkl.is_file()
    _run([venv, osp.join(mim, 'tools', 'test.py'), 'singan_balloons.py',
          checkpoint, '--out-dir', str(tmp_path / 'samples'),
          '--num-samples', '1', '--cfg-options', f'test_cfg.pkl_data={pkl}',
          *options], cwd=str(tmp_path), env=env)
    assert (tmp_path / 'samples' / 'grid.png').is_file()


@pytest.mark.slow
def test_installed_console_script_trains_a_photo(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PYTHONHASHSEED='0', OMP_NUM_THREADS='1')
    script = osp.join(osp.dirname(venv), 'singan')
    assert osp.isfile(script), 'no console script: see [project.scripts]'
    shutil.copy(osp.join(ROOT, 'data', 'singan', 'balloons.png'),
                tmp_path / 'photo.png')
    proc = _run([script, 'train', 'photo.png', '--preset', 'demo',
                 '--max-size', '32', '--iters-per-scale', '4',
                 '--num-samples', '2'], cwd=str(tmp_path), env=env)
    work_dir = tmp_path / 'work_dirs' / 'photo'
    progress = json.loads((work_dir / 'progress.json').read_text())
    assert progress['status'] == 'done', progress
    for path in progress['samples'] + [progress['grid'], progress['gif']]:
        assert path.startswith(str(work_dir)) and osp.isfile(path), path
    assert len(progress['samples']) == 2
    assert 'singan sample work_dirs/photo' in proc.stdout
    # The installed Inferencer loads that checkpoint without a config (it
    # reads the one stored in the checkpoint) and samples from it.
    ckpt = progress['checkpoint']
    code = ('import sys; from singan.apis import SinGANInferencer; '
            'out = SinGANInferencer(sys.argv[1])(task="sample", num=2); '
            'print([p.shape for p in out["predictions"]])')
    proc = _run([venv, '-c', code, ckpt], cwd=str(tmp_path), env=env)
    assert proc.stdout.strip().endswith('[(24, 32, 3), (24, 32, 3)]')


@pytest.mark.slow
def test_installed_console_script_serves_the_app(venv, tmp_path):
    pytest.importorskip('gradio', reason="the demo extra: pip install "
                        "'.[demo]'")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [osp.join(osp.dirname(venv), 'singan'), 'app', '--port', str(port),
         '--jobs-dir', str(tmp_path / 'jobs')], cwd=str(tmp_path), env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, page = time.monotonic() + 240, None
        while page is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read()[-3000:]
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/',
                                            timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(1)
        assert page is not None, 'singan app did not answer in 240 s'
        assert 'SinGAN: one photo, many images' in page
    finally:
        server.kill()
        server.wait()
        server.stderr.close()


def test_find_config_by_name_and_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # so names are not paths from the cwd
    path = osp.join(ROOT, 'configs', 'singan', 'singan_balloons.py')
    assert find_config('singan_balloons') == path
    assert find_config('singan_balloons.py') == path
    assert find_config('configs/singan/singan_balloons.py') == path
    assert find_config(path) == path
    (tmp_path / 'mine.py').write_text('')
    assert find_config('mine.py') == 'mine.py'
    assert find_config('mmagic_compat/singan/singan_fish').endswith(
        osp.join('mmagic_compat', 'singan', 'singan_fish.py'))


def test_find_config_lists_close_names():
    with pytest.raises(FileNotFoundError, match='Close names: '
                       'singan_balloons') as info:
        find_config('singan_baloons')
    assert "'singan_baloons'" in str(info.value)


@pytest.mark.trains
def test_train_tool_names_close_configs():
    proc = run_tool('train.py', 'singan_baloons', check=False)
    assert proc.returncode == 2, proc.stderr
    assert 'Close names: singan_balloons' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_list_configs_leaves_out_base_files():
    names = list_configs()
    assert 'singan_balloons' in names
    assert 'mmagic_compat/singan/singan_fish' in names
    assert not [n for n in names if '_base_' in n]


def test_find_sample_image():
    path = osp.join(ROOT, 'data', 'singan', 'balloons.png')
    assert find_sample_image('balloons.png') == path
    assert find_sample_image('data/singan/balloons.png') == path
    with pytest.raises(FileNotFoundError, match='bundled: .*balloons.png'):
        find_sample_image('baloons.png')
