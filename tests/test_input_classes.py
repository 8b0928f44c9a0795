"""Issue 15's classes of bad input, beyond the one-line errors.

``tests/test_bad_inputs.py`` checks each refusal; here the suggested fixes
are followed (and must work), photos are read as a viewer shows them, and
the shared checks are tested directly.
"""
import io
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from conftest import BALLOONS, TINY_CONFIG, TINY_OPTIONS, run_tool
from mmengine.config import Config

from singan.cli import UserInputError, run_cli
from singan.config import prepare_config
from singan.fileio import load_pickle
from singan.fileio.image_io import apply_orientation, decode_image

Image = pytest.importorskip('PIL.Image')
ImageCms = pytest.importorskip('PIL.ImageCms')
ImageOps = pytest.importorskip('PIL.ImageOps')

#: One iteration a scale.
FAST = ['train_cfg.iters_per_scale=1']


def _error(proc) -> str:
    """The one error line of a refused run."""
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    return proc.stderr.strip().splitlines()[-1]


def _train(work_dir, *options, image=None):
    extra = ['--image', image] if image else []
    return run_tool('train.py', TINY_CONFIG, '--work-dir', str(work_dir),
                    *extra, '--cfg-options', *TINY_OPTIONS, *FAST, *options,
                    check=False, timeout=300)


# ------------------------------------------------- 4: advice that works
@pytest.mark.trains
def test_advice_for_an_elongated_image_trains(tmp_path):
    image = str(tmp_path / 'long.png')
    cv2.imwrite(image, np.random.default_rng(0).integers(
        0, 255, (20, 1000, 3), np.uint8))
    message = _error(run_tool('get_num_scales.py', image, check=False))
    found = re.search(r'set max_size >= (\d+) and min_size=(\d+)', message)
    assert found, message
    proc = _train(tmp_path / 'work',
                  f'train_dataloader.dataset.max_size={found[1]}',
                  f'train_dataloader.dataset.min_size={found[2]}',
                  image=image)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.trains
def test_advice_for_a_small_image_trains(tmp_path):
    image = str(tmp_path / 'small.png')
    cv2.imwrite(image, np.random.default_rng(0).integers(
        0, 255, (12, 16, 3), np.uint8))
    message = _error(_train(tmp_path / 'refused', image=image))
    found = re.search(r'set min_size <= (\d+)', message)
    assert found and int(found[1]) >= 11, message
    proc = _train(tmp_path / 'work', f'train_dataloader.dataset.min_size='
                  f'{found[1]}', image=image)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _apps(tiny_run, out_dir, *args):
    return run_tool('apps.py', args[0], tiny_run.config, tiny_run.checkpoint,
                    '--out-dir', str(out_dir), *args[1:], '--cfg-options',
                    *tiny_run.options, check=False, timeout=300)


@pytest.mark.parametrize('request_args, pattern', [
    (('--factors', '0.01x0.01'), r'use e\.g\. --factors (\S+)\.$'),
    (('--factors', '3x3', '--max-memory', '0.05'),
     r'largest that fits is --factors (\S+) or'),
])
def test_suggested_factors_work(tiny_run, tmp_path, request_args, pattern):
    message = _error(_apps(tiny_run, tmp_path / 'a', 'sample',
                           *request_args))
    found = re.search(pattern, message)
    assert found, message
    args = list(request_args)
    args[1] = found[1]
    proc = _apps(tiny_run, tmp_path / 'b', 'sample', *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    height, width = cv2.imread(str(tmp_path / 'b' / 'sample_00.png')).shape[:2]
    factors = [float(f) for f in found[1].split('x')]
    assert (height, width) == (round(36 * factors[0]), round(48 * factors[1]))


# ------------------------------------------ 2: photos as a viewer shows them
@pytest.mark.parametrize('orientation', range(1, 9))
def test_orientation_matches_pillow(orientation):
    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format='PNG', exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buffer)))
    assert np.array_equal(apply_orientation(pixels, orientation), expected)


def _rotated_jpeg(path: str, orientation: int = 6) -> np.ndarray:
    """Balloons stored sideways-tagged; returns the stored RGB pixels."""
    rgb = cv2.imread(BALLOONS)[:, :, ::-1].copy()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, exif=exif.tobytes(), quality=95)
    return rgb


@pytest.mark.trains
def test_exif_orientation_applied_everywhere(tmp_path):
    folder = tmp_path / 'my photos'  # a space: --image keeps it
    folder.mkdir()
    path = str(folder / 'rot6.jpg')
    _rotated_jpeg(path)
    image, notes = decode_image(path)
    viewer = cv2.imread(path, cv2.IMREAD_COLOR)[:, :, ::-1]  # applies it
    assert image.shape == (248, 186, 3)
    assert np.array_equal(image, viewer)
    assert 'EXIF orientation 6' in notes[0]
    proc = run_tool('get_num_scales.py', path)
    assert f'{path}: 186x248 (WxH)' in proc.stdout
    assert 'stored 248x186, shown and used 186x248' in proc.stdout
    proc = _train(tmp_path / 'work', image=path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'EXIF orientation 6' in proc.stdout + proc.stderr
    with open(tmp_path / 'work' / 'last_checkpoint') as f:
        name = osp.basename(f.read().strip())[:-4]
    state = load_pickle(tmp_path / 'work' / 'pickle' / f'{name}.pkl')
    assert state['fixed_noises'][-1].shape[-2:] == (48, 36)  # portrait


def _icc(name: str, rename: bool = False) -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile(name))
    data = profile.tobytes()
    # the description is UTF-16 ('mluc'); same length, so the file stays valid
    return data.replace(b'\x00s\x00R\x00G\x00B',
                        b'\x00T\x00e\x00s\x00t') if rename else data


@pytest.mark.parametrize('icc, note', [
    (_icc('sRGB'), None),
    (_icc('sRGB', rename=True), "colour profile 'Test built-in'; converted "
     'it to sRGB'),
    (_icc('LAB'), 'cannot be applied to its RGB pixels'),
])
def test_colour_profile_is_handled_and_logged(tmp_path, icc, note):
    rgb = cv2.imread(BALLOONS)[:, :, ::-1].copy()
    path = str(tmp_path / 'icc.png')
    Image.fromarray(rgb).save(path, icc_profile=icc)
    image, notes = decode_image(path)
    assert np.abs(image.astype(int) - rgb).max() <= 2  # sRGB to sRGB
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and note in notes[0], notes


# --------------------------------------------- 3: config parts checked
def test_misspelt_dataset_argument_in_a_config_file():
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.train_dataloader.dataset.max_sise = 48
    with pytest.raises(UserInputError, match="'max_sise'.*did you mean "
                       'max_size'):
        prepare_config(cfg, check_image=False)


def test_misspelt_hook_argument_in_a_config_file():
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.custom_hooks[2]['output_dri'] = 'pickle'  # the PickleDataHook
    with pytest.raises(UserInputError, match='did you mean output_dir'):
        prepare_config(cfg, check_image=False)


def test_misspelt_model_and_loop_arguments_in_a_config_file():
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.noise_weight_int = 0.1
    with pytest.raises(UserInputError, match="'noise_weight_int'.*did you "
                       'mean noise_weight_init'):
        prepare_config(cfg, check_image=False)
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.train_cfg.lr_drop = 0.5
    with pytest.raises(UserInputError, match='did you mean lr_drop_at'):
        prepare_config(cfg, check_image=False)


@pytest.mark.trains
def test_moved_key_names_its_new_place():
    proc = run_tool('train.py', TINY_CONFIG, '--cfg-options',
                    'model.iters_per_scale=3', check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        'error: --cfg-options model.iters_per_scale: model.iters_per_scale '
        'is now train_cfg.iters_per_scale (the train loop owns the '
        'schedule). Pass --cfg-options train_cfg.iters_per_scale=VALUE '
        'instead; nothing was changed.')


# ------------------------------------------------- 7: out of memory
def test_out_of_memory_is_one_line(capsys):
    def main():
        raise torch.OutOfMemoryError('CUDA out of memory. Tried to allocate '
                                     '20.00 GiB\nmore detail')
    assert run_cli(main, 'lower --num') == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['error: out of memory (CUDA out of memory. Tried to '
                   'allocate 20.00 GiB). To fit, lower --num. Files written '
                   'before (checkpoints, earlier outputs) are intact.']


def test_other_runtime_errors_keep_their_traceback():
    def main():
        raise RuntimeError('a bug')
    with pytest.raises(RuntimeError, match='a bug'):
        run_cli(main)


def test_config_dump_published_only_after_training(tiny_run):
    top = osp.join(tiny_run.work_dir, osp.basename(TINY_CONFIG))
    runs = [osp.join(tiny_run.work_dir, d, osp.basename(TINY_CONFIG))
            for d in sorted(os.listdir(tiny_run.work_dir))
            if d[:1].isdigit()]
    assert [osp.isfile(r) for r in runs] == [True]
    with open(top) as f, open(runs[0]) as g:
        assert f.read() == g.read()
