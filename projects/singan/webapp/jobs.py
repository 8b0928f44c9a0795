"""Training jobs of the app, kept on disk so every tab sees the same ones.

Each job is a folder of the jobs dir::

    JOBS_DIR/20260101-120000-a1b2c3/
        input.png       the checked upload (or a copy of a bundled image)
        job.json        id, preset, schedule, seed, pid of the training
        train.log       stdout and stderr of ``singan train``
        work/           its work dir: progress.json, checkpoints, samples

Training is ``sys.executable -m singan train ...`` in a subprocess of its
own session: it outlives a browser reload and a restart of the server, and
any :class:`JobStore` over the same folder (another tab, a restarted server)
reads its state from ``work/progress.json`` (written by ``singan train``).
At most ``max_jobs`` train at a time; one more is refused with how long
the running ones still need, not queued.
"""
import json
import os
import os.path as osp
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence

from ..cli import UserInputError
from ..fileio.atomic import atomic_write_bytes
from ..fileio.paths import check_output_dir
from ..presets import DEFAULT_PRESET, get_preset
from .uploads import (MAX_UPLOAD_BYTES, MAX_UPLOAD_PIXELS, check_upload,
                      new_job_folder, pyramid_settings)

__all__ = ['BusyError', 'Job', 'JobStore', 'Schedule', 'default_max_jobs',
           'train_command']

#: States of ``progress.json`` in which the training still runs.
RUNNING = ('starting', 'training', 'sampling')
#: ``(max_size, iters_per_scale)``: a tiny schedule for tests, or ``None``.
Schedule = Optional[Sequence[int]]


class BusyError(UserInputError):
    """All training slots are taken; the message says for how long."""


def default_max_jobs() -> int:
    """Trainings at a time: one per two CPU cores, at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


def train_command(image: str, preset: str, work_dir: str, seed: int,
                  schedule: Schedule = None) -> List[str]:
    """The ``singan train`` command line of a job.

    Args:
        image (str): The checked upload.
        preset (str): ``demo``, ``fast`` or ``paper``.
        work_dir (str): The job's work dir.
        seed (int): Random seed.
        schedule (Sequence[int], optional): ``(max_size, iters_per_scale)``
            overriding the preset's (``singan app --test-schedule``).

    Returns:
        list[str]: Arguments for ``subprocess.Popen``.
    """
    command = [sys.executable, '-m', 'singan', 'train', image, '--preset',
               preset, '--work-dir', work_dir, '--seed', str(seed)]
    if schedule:
        command += ['--max-size', str(schedule[0]),
                    '--iters-per-scale', str(schedule[1])]
    return command


class Job:
    """One training job: its folder, parameters and progress.

    Args:
        folder (str): The job's folder (see the module's notes).
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.id = osp.basename(folder)
        with open(osp.join(folder, 'job.json')) as f:
            self.params: dict = json.load(f)

    @property
    def work_dir(self) -> str:
        """The work dir of ``singan train``."""
        return osp.join(self.folder, 'work')

    @property
    def image(self) -> str:
        """The checked upload."""
        return osp.join(self.folder, self.params['image'])

    def progress(self) -> dict:
        """``progress.json`` of the training, as last written.

        Returns:
            dict: The contract's keys; ``{'status': 'starting'}`` before
            the first write (or while a write is half-read).
        """
        try:
            with open(osp.join(self.work_dir, 'progress.json')) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {'status': 'starting'}

    def state(self) -> dict:
        """The progress, with ``failed`` when the training process died.

        Returns:
            dict: :meth:`progress`; a process that ended without writing
            ``done`` or ``failed`` gives ``status='failed'`` and the last
            ``error:`` line (or line) of ``train.log`` as ``error``.
        """
        progress = self.progress()
        if progress.get('status') in RUNNING and not self.alive():
            progress = dict(progress, status='failed',
                            error=self._last_error())
        return progress

    def alive(self) -> bool:
        """Whether the training process still runs."""
        pid = self.params.get('pid')
        if not pid:
            return False
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmdline = f.read().decode(errors='replace')
            with open(f'/proc/{pid}/stat') as f:
                zombie = f.read().rsplit(')', 1)[1].split()[0] == 'Z'
        except OSError:
            return _pid_exists(pid)  # no /proc (macOS)
        # the pid may have been reused after a reboot: it must be ours
        return self.work_dir in cmdline and not zombie

    def resume_command(self) -> str:
        """The shell command that continues this job's training.

        Returns:
            str: ``singan train IMAGE --preset P --work-dir WORK --seed S
            [...] --resume`` to run in the job folder: the job's own
            arguments, so it fits its preset and schedule, with paths
            relative to the job folder (the page shows no server paths).
        """
        command = train_command(
            osp.relpath(self.image, self.folder),
            self.params.get('preset', DEFAULT_PRESET),
            osp.relpath(self.work_dir, self.folder),
            self.params.get('seed', 0), self.params.get('schedule'))
        return shlex.join(['singan'] + command[3:] + ['--resume'])

    def _last_error(self) -> str:
        """The training's last ``error:`` line, else why it ended."""
        if self.params.get('stopped'):
            return ('stopped from the page; to continue it, run '
                    f'{self.resume_command()} in the job folder')
        try:
            with open(osp.join(self.folder, 'train.log'),
                      errors='replace') as f:
                lines = [line.strip() for line in f if line.strip()]
        except OSError:
            lines = []
        errors = [line for line in lines if line.startswith('error:')]
        if not errors:  # killed: with the server, by the system, a reboot
            return ('the training process was killed before it finished and '
                    'wrote no error (it is stopped with the server that '
                    'started it, by the system when memory runs out, or by '
                    f'a restart); to continue it, run {self.resume_command()}'
                    ' in the job folder; see train.log there')
        return (f'the training process ended without finishing '
                f'({errors[-1]}); see train.log in the job folder')

    def describe(self) -> str:
        """``'20260101-120000-a1b2c3 (balloons.png, demo): training 40%'``."""
        state = self.state()
        status = state.get('status', 'starting')
        if status in RUNNING and state.get('percent') is not None:
            status += f' {state["percent"]:.0f}%'
        return (f'{self.id} ({self.params.get("name", "image")}, '
                f'{self.params.get("preset")}): {status}')


def _pid_exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    """The jobs of a jobs dir; starts trainings within ``max_jobs``.

    Args:
        root (str): The jobs dir (created when missing).
        max_jobs (int): Trainings at a time.
        schedule (Sequence[int], optional): ``(max_size, iters_per_scale)``
            for every job instead of the preset's (tests).
        max_bytes (int): Largest upload accepted.
        max_pixels (int): Largest decoded upload accepted.
        command (Callable, optional): Builds a job's command line, with
            :func:`train_command`'s arguments; defaults to it.
    """

    def __init__(self, root: str, max_jobs: int = 1,
                 schedule: Schedule = None,
                 max_bytes: int = MAX_UPLOAD_BYTES,
                 max_pixels: int = MAX_UPLOAD_PIXELS,
                 command: Optional[Callable[..., List[str]]] = None) -> None:
        if max_jobs < 1:
            raise UserInputError(f'--max-jobs={max_jobs} must be >= 1.')
        self.root = osp.abspath(root)
        check_output_dir(self.root, '--jobs-dir')  # a clear message
        self.max_jobs = max_jobs
        self.schedule = schedule
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self.command = command or train_command
        self._lock = threading.Lock()
        self._children: Dict[str, subprocess.Popen] = {}

    def jobs(self) -> List[Job]:
        """Every job of the folder, newest first."""
        found = []
        for name in os.listdir(self.root):
            if osp.isfile(osp.join(self.root, name, 'job.json')):
                try:
                    found.append(Job(osp.join(self.root, name)))
                except (OSError, ValueError):
                    continue  # half-written by another server: skip it
        return sorted(found, key=lambda job: job.params.get('created', 0),
                      reverse=True)

    def get(self, job_id: str) -> Job:
        """The job ``job_id``.

        Raises:
            UserInputError: No such job in this jobs dir.
        """
        folder = osp.join(self.root, osp.basename(job_id or ''))
        if not job_id or not osp.isfile(osp.join(folder, 'job.json')):
            raise UserInputError(
                f'No job {job_id!r} on this server (it was deleted, or the '
                'link is of another server). Pick one from the list of '
                'jobs, or start a new one.')
        return Job(folder)

    def running(self) -> List[Job]:
        """The jobs whose training runs now."""
        self._reap()
        return [job for job in self.jobs()
                if job.state().get('status') in RUNNING]

    def busy_message(self, running: Sequence[Job]) -> str:
        """``'busy: 1 job training, try again in ~4 min'``."""
        etas = [job.progress().get('eta_s') for job in running]
        known = [eta for eta in etas if eta is not None]
        wait = (f'try again in ~{_minutes(min(known))}' if known else
                'try again in a few minutes')
        noun = 'job' if len(running) == 1 else 'jobs'
        return (f'busy: {len(running)} {noun} training (at most '
                f'{self.max_jobs} at a time), {wait}. Running: '
                + '; '.join(job.describe() for job in running))

    def check(self, upload: str, preset: str = DEFAULT_PRESET) -> tuple:
        """Refuse an upload that cannot be trained at ``preset`` here.

        Args:
            upload (str): Path of the uploaded (or bundled) image.
            preset (str): A preset name of ``singan.presets``.

        Returns:
            tuple[int, int]: ``(height, width)`` of the image.

        Raises:
            UploadError: Why it cannot, with the value and a fix.
        """
        config = get_preset(preset).config
        max_size = self.schedule[0] if self.schedule else None
        return check_upload(upload, pyramid_settings(config, max_size),
                            self.max_bytes, self.max_pixels)

    def submit(self, upload: str, preset: str = DEFAULT_PRESET,
               seed: int = 0, name: Optional[str] = None) -> Job:
        """Check an upload, copy it into a new job and start training.

        Args:
            upload (str): Path of the uploaded (or bundled) image.
            preset (str): A preset name of ``singan.presets``.
            seed (int): Random seed of the training.
            name (str, optional): The file name the user knows.

        Returns:
            Job: The started job.

        Raises:
            UploadError: The upload cannot be trained on.
            BusyError: ``max_jobs`` trainings run already.
        """
        self.check(upload, preset)
        with self._lock:
            running = self.running()
            if len(running) >= self.max_jobs:
                raise BusyError(self.busy_message(running))
            return self._start(upload, preset, seed,
                               name or osp.basename(upload))

    def stop(self, job_id: str) -> Job:
        """Stop a job's training (its whole process group), freeing a slot.

        Args:
            job_id (str): The job.

        Returns:
            Job: The job; its state then reads ``failed`` ("ended without
            finishing"); ``singan train IMAGE --work-dir WORK --resume``
            would continue it.
        """
        job = self.get(job_id)
        if job.alive():
            job.params['stopped'] = time.time()
            _write_params(job.folder, job.params)
            try:
                os.killpg(job.params['pid'], signal.SIGTERM)
            except ProcessLookupError:
                pass  # ended meanwhile
        return job

    def _start(self, upload: str, preset: str, seed: int, name: str) -> Job:
        """Make the job's folder and start ``singan train`` in it."""
        job_id = time.strftime('%Y%m%d-%H%M%S-') + secrets.token_hex(3)
        folder = osp.join(self.root, job_id)
        with new_job_folder(folder, self.root):  # nothing left on failure
            return self._write_job(folder, job_id, upload, preset, seed, name)

    def _write_job(self, folder: str, job_id: str, upload: str, preset: str,
                   seed: int, name: str) -> Job:
        """Write the job's files and start its training."""
        os.makedirs(osp.join(folder, 'work'))
        ext = osp.splitext(upload)[1].lower() or '.png'
        shutil.copyfile(upload, osp.join(folder, 'input' + ext))
        params = dict(id=job_id, name=name, image='input' + ext,
                      preset=preset, seed=seed, created=time.time(),
                      schedule=list(self.schedule or []) or None)
        command = self.command(osp.join(folder, 'input' + ext), preset,
                               osp.join(folder, 'work'), seed, self.schedule)
        with open(osp.join(folder, 'train.log'), 'wb') as log:
            child = subprocess.Popen(
                command, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=_child_env(),
                start_new_session=True)
        self._children[job_id] = child
        params.update(pid=child.pid, command=command)
        _write_params(folder, params)
        return Job(folder)

    def _reap(self) -> None:
        """Collect the exit status of finished children (no zombies)."""
        for job_id, child in list(self._children.items()):
            if child.poll() is not None:
                del self._children[job_id]


def _write_params(folder: str, params: dict) -> None:
    """Write ``job.json`` atomically (readers never see half of it)."""
    atomic_write_bytes(json.dumps(params, indent=1).encode(),
                       osp.join(folder, 'job.json'))


def _child_env() -> dict:
    """The environment of ``singan train``: this process's ``singan``."""
    package_parent = osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))
    path = [package_parent] + [p for p in os.environ.get(
        'PYTHONPATH', '').split(os.pathsep) if p]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))


def _minutes(seconds: float) -> str:
    """``'4 min'``, ``'1 h 05 min'``, ``'1 min'`` at least."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60:02d} min'
