"""One owner per work dir, --resume that never starts over, Ctrl-C advice.

Issue 25, 1 and the training-side cases of 3. The subprocess cases stall a
tool inside a write (``conftest.fault_env('pause:...')``) to interrupt or
race it at a known point.
"""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from conftest import (ROOT, TINY_CONFIG, TINY_OPTIONS, TOOLS, fault_env,
                      run_tool)

from singan import work_dir_lock
from singan.devices import DeviceError, check_device
from singan.work_dir_lock import (LOCK_FILE, WorkDirBusyError,
                                  lock_work_dir, release_work_dir)

#: One iteration a scale at 32 px: a training of a few seconds.
FAST = ['train_cfg.iters_per_scale=1', 'train_dataloader.dataset.max_size=32',
        'train_dataloader.dataset.min_size=20',
        'default_hooks.checkpoint.interval=1']

#: Holds a work dir's lock until killed, as a training would.
HOLDER = ('import sys, time; from singan.work_dir_lock import lock_work_dir; '
          'lock_work_dir(sys.argv[1]); print("locked", flush=True); '
          'time.sleep(600)')


def _env(**extra) -> dict:
    return dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='1',
                **extra)


def _start(args, env=None) -> subprocess.Popen:
    """A tool (``tools/X.py`` or ``-m singan``) in the background."""
    return subprocess.Popen([sys.executable, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env or _env())


def _wait_for(predicate, proc, timeout=240.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f'ended early:\n{proc.communicate()}')
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f'not true within {timeout} s')


def _stalled_in(folder: str, name: str):
    """True once a write of ``name`` in ``folder`` waits at its rename."""
    def stalled():
        return osp.isdir(folder) and any(
            n.startswith(f'.{name}.') for n in os.listdir(folder))
    return stalled


# ----------------------------------------------------------- the lock

def test_second_training_stops_at_once_naming_the_owner(tiny_run, tmp_path):
    work = str(tmp_path / 'work')
    shutil.copytree(tiny_run.work_dir, work)
    before = sorted(os.listdir(work))
    holder = _start(['-c', HOLDER, work],
                    env=_env(PYTHONPATH=osp.join(ROOT, 'projects')))
    try:
        assert holder.stdout.readline().strip() == 'locked'
        proc = run_tool('train.py', TINY_CONFIG, '--work-dir', work,
                        '--resume', '--cfg-options', *TINY_OPTIONS,
                        check=False)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, proc.stderr[-3000:]
    last = proc.stderr.rstrip().splitlines()[-1]
    assert last.startswith('error: The work dir ')
    assert f'in use by another training (pid {holder.pid}' in last
    assert f'kill {holder.pid}' in last and '--work-dir' in last
    assert 'Traceback' not in proc.stderr
    # nothing written: no log folder; the holder's lock file is left
    assert sorted(os.listdir(work)) == sorted(before + [LOCK_FILE])


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, monkeypatch):
    dead = subprocess.run([sys.executable, '-c', 'import os; '
                           'print(os.getpid())'], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / LOCK_FILE).write_text(f'pid={dead}\nhost=x\ncommand=old\n')
    said = []
    monkeypatch.setattr(work_dir_lock, 'print_log',
                        lambda msg, **kw: said.append(msg))
    lock_work_dir(str(tmp_path))
    try:
        assert f'took over the lock of pid {dead} (old)' in said[0]
        assert 'no longer running' in said[0]
        text = (tmp_path / LOCK_FILE).read_text()
        assert f'pid={os.getpid()}' in text
    finally:
        release_work_dir(str(tmp_path))
    assert not (tmp_path / LOCK_FILE).exists()


def test_lock_held_elsewhere_is_a_typed_error(tmp_path):
    holder = _start(['-c', HOLDER, str(tmp_path)],
                    env=_env(PYTHONPATH=osp.join(ROOT, 'projects')))
    try:
        assert holder.stdout.readline().strip() == 'locked'
        with pytest.raises(WorkDirBusyError, match=f'pid {holder.pid}'):
            lock_work_dir(str(tmp_path))
    finally:
        holder.kill()
        holder.wait()
    lock_work_dir(str(tmp_path))  # free once the holder is gone
    release_work_dir(str(tmp_path))


# ----------------------------------------------------------- --resume

def test_resume_without_last_checkpoint_takes_newest_complete_pair(
        tiny_run, tmp_path):
    work = str(tmp_path / 'work')
    shutil.copytree(tiny_run.work_dir, work)
    os.remove(osp.join(work, 'last_checkpoint'))
    os.remove(osp.join(work, 'pickle', 'iter_24.pkl'))  # 24: incomplete
    with open(osp.join(work, 'iter_12.pth'), 'rb') as f:
        kept = f.read()
    proc = run_tool('train.py', TINY_CONFIG, '--work-dir', work, '--resume',
                    '--cfg-options', *TINY_OPTIONS)
    log = proc.stdout + proc.stderr
    assert 'last_checkpoint is missing; resuming from the newest complete ' \
           f'checkpoint {work}/iter_18.pth' in log
    assert 'resumed epoch: 0, iter: 18' in log
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_24.pth')
    assert osp.isfile(osp.join(work, 'pickle', 'iter_24.pkl'))
    with open(osp.join(work, 'iter_12.pth'), 'rb') as f:
        assert f.read() == kept  # not retrained from scratch


# ----------------------------------------------------------- Ctrl-C

def _interrupted(args, folder: str, name: str) -> subprocess.Popen:
    """Run, stall in the write of ``name``, send SIGINT; return it ended."""
    proc = _start(args, env=_env(**fault_env(f'pause:{name}')))
    _wait_for(_stalled_in(folder, name), proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.out, proc.err = proc.communicate(timeout=120)
    return proc


def test_ctrl_c_says_resume_only_where_there_is_one(tiny_run, tmp_path):
    train_dir, out = str(tmp_path / 'train'), str(tmp_path / 'out')
    runs = {
        'train': ([osp.join(TOOLS, 'train.py'), TINY_CONFIG, '--work-dir',
                   train_dir, '--cfg-options', *TINY_OPTIONS, *FAST],
                  osp.join(train_dir, 'pickle'), 'iter_1.pkl'),
        'test': ([osp.join(TOOLS, 'test.py'), TINY_CONFIG, tiny_run.checkpoint,
                  '--out-dir', out + '_test', '--num-samples', '1',
                  '--cfg-options', *TINY_OPTIONS],
                 out + '_test', 'sample_00.png'),
        'apps': ([osp.join(TOOLS, 'apps.py'), 'reconstruct', TINY_CONFIG,
                  tiny_run.checkpoint, '--out-dir', out + '_apps',
                  '--cfg-options', *TINY_OPTIONS],
                 out + '_apps', 'reconstruction.png'),
        'singan sample': (['-m', 'singan', 'sample', tiny_run.work_dir,
                           '--num', '1', '--out-dir', out + '_sample'],
                          out + '_sample', 'sample_00.png'),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = dict(zip(runs, pool.map(lambda r: _interrupted(*r),
                                        runs.values())))
    for name, proc in procs.items():
        last = proc.err.rstrip().splitlines()[-1]
        assert proc.returncode == 130, (name, proc.err[-2000:])
        if name == 'train':
            assert last.startswith('Interrupted. Continue with --resume')
            assert train_dir in last
            assert not osp.exists(osp.join(train_dir, LOCK_FILE))
        else:
            assert last == 'Interrupted.', (name, last)


# ----------------------------------------------------------- devices

def test_cuda_on_a_cpu_only_torch_is_a_typed_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(DeviceError, match="--device 'cuda': .*use --device "
                       'cpu'):
        check_device('cuda')
    with pytest.raises(DeviceError, match='not a device name'):
        check_device('gpu')
    assert check_device('cpu') == 'cpu'


def test_inferencer_refuses_cuda_without_cuda(tiny_run, monkeypatch):
    from singan.apis import SinGANInferencer
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(DeviceError):
        SinGANInferencer(tiny_run.checkpoint, tiny_run.config,
                         device='cuda')


# ----------------------------------------------------------- the app's jobs

def _job(tmp_path, preset: str, log: str, **params):
    """A job folder whose training process is gone."""
    from singan.webapp.jobs import Job
    folder = tmp_path / 'job'
    (folder / 'work').mkdir(parents=True)
    (folder / 'work' / 'progress.json').write_text(
        json.dumps(dict(status='training', percent=40.0)))
    (folder / 'train.log').write_text(log)
    dead = subprocess.run([sys.executable, '-c', 'import os; '
                           'print(os.getpid())'], capture_output=True,
                          text=True).stdout.strip()
    (folder / 'job.json').write_text(json.dumps(dict(
        id='job', image='input.png', preset=preset, seed=3, pid=int(dead),
        **params)))
    return Job(str(folder))


@pytest.mark.parametrize('preset', ['demo', 'fast', 'paper'])
def test_stopped_job_hint_names_its_preset_and_parses(tmp_path, preset):
    from singan.commands.entry import build_parser
    job = _job(tmp_path, preset, '', stopped=1.0, schedule=[32, 2])
    error = job.state()['error']
    command = error.split('to continue it, run ')[1].split(' in the job')[0]
    command = command.split()
    assert command[:2] == ['singan', 'train']
    args = build_parser().parse_args(command[1:])
    assert (args.preset, args.seed, args.max_size, args.iters_per_scale,
            args.resume) == (preset, 3, 32, 2, 'auto')
    assert osp.join(job.folder, args.work_dir) == job.work_dir
    assert job.folder not in error  # no server paths on the page


def test_killed_job_gets_a_reason_not_a_log_line(tmp_path):
    log = ('12/06 21:00:00 - mmengine - INFO - Iter(train) [ 10/100] '
           'scale: 1\n')
    error = _job(tmp_path, 'fast', log).state()['error']
    assert 'killed before it finished' in error and 'wrote no error' in error
    assert 'mmengine - INFO' not in error
    assert '--preset fast' in error and '--resume' in error
