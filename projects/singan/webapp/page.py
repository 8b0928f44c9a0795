"""The handlers of the ``singan app`` page: values in, values out.

:class:`Page` takes the plain values the page sends, calls :mod:`.jobs`
and :mod:`.results`, and returns values for the page (``gr.skip()`` where
nothing changed, so images do not flicker at every poll). A user error
comes back as a message that says what was refused and why, never as a
traceback, and never with a path of the server (:func:`hide_paths`).
"""
import os
import os.path as osp
import re
from typing import List, Tuple

import gradio as gr
import numpy as np

from ..cli import format_user_error
from ..fileio.image_io import read_image
from ..presets import PRESETS
from ..resources import sample_image_dirs
from . import results
from .jobs import RUNNING, Job, JobStore
from .uploads import discard_refused_upload

__all__ = ['Page', 'bundled_images', 'status_markdown', 'preset_help',
           'hide_paths']

#: Errors shown on the page as a message (they describe the input).
USER_ERRORS = (ValueError, OSError)
#: The folders of an absolute path (``/tmp/gradio/ab12/``), not its name.
_FOLDERS = re.compile(r'(?<![\w.~:/-])(?:[A-Za-z]:)?[/\\]'
                      r'(?:[^\s\'"/\\:]+[/\\])+')
#: What the page says when Train starts nothing for want of a photo.
NO_PHOTO = ('⚠️ Nothing was started: there is no photo to train on yet. '
            'Upload a photo (JPEG, PNG, WebP) or pick a bundled image, then '
            'press Train.')


def hide_paths(text: str) -> str:
    """``text`` with the folders of every absolute path left out.

    A message shown in the browser names the user's file, never where the
    server keeps it (``/tmp/gradio/ab12/photo.jpg`` -> ``photo.jpg``).

    Args:
        text (str): A message.

    Returns:
        str: The message with only the last part of each path.
    """
    return _FOLDERS.sub('', text)


def bundled_images() -> List[Tuple[str, str]]:
    """``(name, path)`` of the sample images shipped with SinGAN."""
    found = {}
    for folder in reversed(sample_image_dirs()):
        for name in sorted(os.listdir(folder)):
            if name.lower().endswith(('.png', '.jpg', '.jpeg')):
                found[name] = osp.join(folder, name)
    return sorted(found.items())


def status_markdown(job: Job) -> str:
    """Where a job is, in one or two lines of Markdown.

    Args:
        job (Job): Any job.

    Returns:
        str: Status, scale, percent and ETA, or the error.
    """
    state = job.state()
    status = state.get('status', 'starting')
    head = f'**Job `{job.id}`** ({job.params.get("name")}, preset ' \
           f'*{job.params.get("preset")}*): **{status}**'
    if status == 'failed':
        return f'{head}\n\n' + hide_paths(state.get('error')
                                          or 'no error recorded')
    if status == 'done':
        return f'{head}. Samples below; make more in the tabs.'
    if not state.get('num_scales'):
        return f'{head}: preparing (checking the image, timing a scale)...'
    eta = state.get('eta_s')
    eta_text = f', about {_duration(eta)} left' if eta is not None else ''
    return (f'{head}: scale {state.get("scale", 0)} of '
            f'{state["num_scales"] - 1} (iteration '
            f'{state.get("scale_iter", 0)}/{state.get("iters_per_scale")}),'
            f' **{state.get("percent", 0):.0f}%**{eta_text}')


def _duration(seconds: float) -> str:
    """``'45 s'``, ``'12 min'``, ``'1 h 05 min'``."""
    if seconds < 90:
        return f'{seconds:.0f} s'
    minutes = round(seconds / 60)
    return f'{minutes} min' if minutes < 60 else \
        f'{minutes // 60} h {minutes % 60:02d} min'


def _message(err: BaseException) -> str:
    """A user error as the page's message (no ``error:`` prefix)."""
    text = format_user_error(err).removeprefix('error: ')
    return '⚠️ ' + hide_paths(text)


class Page:
    """The handlers of the page, over one job store.

    Args:
        store (JobStore): Where jobs live.
    """

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def job_choices(self) -> List[Tuple[str, str]]:
        """``(label, id)`` of every job, newest first."""
        return [(f'{job.id} ({job.params.get("name")}, '
                 f'{job.params.get("preset")})', job.id)
                for job in self.store.jobs()]

    def on_load(self, request: gr.Request):
        """Show the job of the URL (``?job=ID``), else the newest."""
        wanted = request.query_params.get('job') if request else None
        choices = self.job_choices()
        ids = [job_id for _, job_id in choices]
        value = wanted if wanted in ids else (ids[0] if ids else None)
        return gr.Dropdown(choices=choices, value=value)

    def check_photo(self, upload, preset):
        """Say at once whether an upload can be trained on, and why not.

        Returns:
            tuple: The message, and the bundled-image choice cleared (the
            upload is what Train will take).
        """
        if not upload:
            return '', gr.skip()
        name = osp.basename(upload)
        try:
            height, width = self.store.check(upload, preset)
        except USER_ERRORS as err:
            return (f'{_message(err)} Upload another photo; nothing was '
                    'started.', gr.Dropdown(value=None))
        return (f'✅ {name}: {width}x{height} px, ready to train at the '
                f'*{preset}* preset. Press Train.', gr.Dropdown(value=None))

    def submit(self, upload, bundled, preset, seed):
        """Check the photo and start training it.

        The upload if there is one (a refused upload starts nothing: its
        message says why, even when a bundled image is chosen too), else
        the bundled image chosen, else nothing (:data:`NO_PHOTO`).
        """
        path, name = (upload, osp.basename(upload)) if upload else \
            (dict(bundled_images()).get(bundled), bundled)
        if not path:
            return gr.skip(), NO_PHOTO
        try:
            job = self.store.submit(path, preset, int(seed or 0), name)
        except USER_ERRORS as err:
            discard_refused_upload(upload, err)  # no preset can take it
            return gr.skip(), f'{_message(err)} Nothing was started.'
        return (gr.Dropdown(choices=self.job_choices(), value=job.id),
                f'Started job `{job.id}` on {name}. Training runs on the '
                'server; this page follows it.')

    def stop(self, job_id):
        """Stop the shown job's training."""
        try:
            job = self.store.get(job_id)
            if not job.alive():
                return (f'Job `{job.id}` is not training (it is '
                        f'{job.state().get("status")}).')
            self.store.stop(job_id)
        except USER_ERRORS as err:
            return _message(err)
        return f'Stopped job `{job.id}`; its training slot is free.'

    def poll(self, job_id, shown):
        """The job's progress; ``gr.skip()`` where nothing changed."""
        keep = [gr.skip()] * 3  # the start-scale sliders
        if not job_id:
            return ('Start a job, or pick one from the list.', None, [],
                    None, None, None, *keep, gr.Button(visible=False), '')
        try:
            job = self.store.get(job_id)
        except USER_ERRORS as err:
            return (_message(err), None, [], None, None, None, *keep,
                    gr.Button(visible=False), '')
        state = job.state()
        key = f'{job_id}:{state.get("status")}:{state.get("snapshot")}'
        if key == shown:
            return status_markdown(job), *([gr.skip()] * 9), key
        done = state.get('status') == 'done'
        samples = [(p, f'sample {i}') for i, p in
                   enumerate(state.get('samples') or []) if osp.isfile(p)]
        editor = dict(background=read_image(job.image), layers=[],
                      composite=None) if done else None
        return (status_markdown(job),
                _existing(state.get('snapshot')),
                samples, results.downloads(job) or None, editor,
                _existing(state.get('gif')),
                *(_scale_sliders(state) if done else keep),
                gr.Button(visible=state.get('status') in RUNNING), key)

    def samples(self, job_id, num, fh, fw, start, seed):
        return self._run(lambda job: results.make_samples(
            job, num, fh, fw, start, seed), job_id, [])

    def paste(self, job_id, obj, x, y, width):
        """The training image with the object pasted, and its mask."""
        def act(job):
            if obj is None:
                raise ValueError('Upload an object image to paste first.')
            paste, mask = results.paste_object(read_image(job.image), obj,
                                               x, y, width)
            layer = np.zeros((*mask.shape, 4), np.uint8)
            layer[mask > 0] = (255, 255, 255, 90)  # the object shows
            return dict(background=paste, layers=[layer], composite=None)
        return self._run(act, job_id, gr.skip())

    def inject(self, job_id, edited, mode, start, resize, seed):
        def act(job):
            if not edited or edited.get('background') is None:
                raise ValueError('Upload or paste an image in the editor '
                                 'first.')
            layers = [lay for lay in edited.get('layers') or []
                      if lay is not None]
            mask = np.max([lay[..., 3] for lay in layers], axis=0) \
                if layers and layers[0].shape[-1] == 4 else None
            return results.make_injection(job, edited['background'], mask,
                                          mode, start, resize, seed)[0]
        return self._run(act, job_id, None)

    def animate(self, job_id, frames, start, alpha, seed):
        return self._run(lambda job: results.make_animation(
            job, frames, start, alpha, seed), job_id, None)

    def _run(self, act, job_id, empty):
        """``(act(job), '')``, or ``(empty, message)`` on a user error."""
        try:
            return act(self.store.get(job_id)), ''
        except USER_ERRORS as err:
            return empty, _message(err)


def _existing(path):
    """``path`` if it names a file, else ``None``."""
    return path if path and osp.isfile(path) else None


def _scale_sliders(state: dict) -> list:
    """The start-scale sliders (samples, injection, animation) of a model.

    Their values: 0 (free samples), the middle scale (injection, as
    ``tools/apps.py``) and 1 (animation, large shapes move).
    """
    top = max(1, state.get('num_scales', 2) - 1)
    return [gr.Slider(maximum=top, value=0),
            gr.Slider(minimum=1 if top > 1 else 0, maximum=top,
                      value=max(1, top // 2)),
            gr.Slider(maximum=top, value=min(1, top))]


def preset_help() -> str:
    """One Markdown line per preset: its name and description."""
    return '\n'.join(f'- **{name}**: {preset.description}'
                     for name, preset in PRESETS.items())
