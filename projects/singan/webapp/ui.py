"""The Gradio page of ``singan app``: thin glue over jobs and results.

Every handler takes plain values from the page, calls :mod:`.jobs` or
:mod:`.results`, and returns values (or ``gr.skip()`` for what did not
change). A user error comes back as a message on the page, never as a
traceback. The job shown is the job id in the URL (``?job=ID``), so a
reload or a second tab shows the same job.
"""
import os
import os.path as osp
from typing import List, Tuple

import gradio as gr
import numpy as np

from ..cli import format_user_error
from ..fileio.image_io import read_image
from ..presets import DEFAULT_PRESET, PRESETS
from ..resources import sample_image_dirs
from . import results
from .jobs import RUNNING, Job, JobStore

__all__ = ['build_ui', 'theme', 'CSS', 'status_markdown']

#: Seconds between two looks at the job's ``progress.json``.
POLL_SECONDS = 2.0
#: Errors shown on the page as a message (they describe the input).
USER_ERRORS = (ValueError, OSError)

INTRO = """
# SinGAN: a generative model from a single photo
Upload **one photo** (a landscape, a texture, a painting). SinGAN learns its
patches at every scale, then makes **new images like it**: of any size and
aspect, with a pasted object blended in, or gently moving.
**1.** choose a photo and a preset, **2.** press *Train* and watch the
scales grow, **3.** play with the results. Jobs run on the server: keep
the link (`?job=...`) to come back later.
"""

CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
#status {min-height: 4.5em;}
#message {color: #b42318;}
footer {display: none !important;}
"""


def theme() -> gr.themes.Base:
    """A quiet theme with system fonts (the page works offline)."""
    return gr.themes.Soft(
        primary_hue='indigo', font=['system-ui', 'sans-serif'],
        font_mono=['ui-monospace', 'monospace'])


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
        return f'{head}\n\n{state.get("error") or "no error recorded"}'
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
    return '⚠️ ' + format_user_error(err).removeprefix('error: ')


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

    def submit(self, upload, bundled, preset, seed):
        """Check the photo and start training it."""
        path, name = (upload, osp.basename(upload or '')) if upload else \
            (dict(bundled_images()).get(bundled), bundled)
        if not path:
            return gr.skip(), '⚠️ Upload a photo or pick a bundled image.'
        try:
            job = self.store.submit(path, preset, int(seed or 0), name)
        except USER_ERRORS as err:
            return gr.skip(), _message(err)
        return (gr.Dropdown(choices=self.job_choices(), value=job.id),
                f'Started job `{job.id}`. Training runs on the server; '
                'this page follows it.')

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


def _preset_help() -> str:
    return '\n'.join(f'- **{name}**: {preset.description}'
                     for name, preset in PRESETS.items())


def build_ui(store: JobStore) -> gr.Blocks:
    """The page over ``store``.

    Args:
        store (JobStore): Where jobs live.

    Returns:
        gr.Blocks: Ready for ``queue().launch()``.
    """
    page = Page(store)
    with gr.Blocks(title='SinGAN: one photo, many images') as demo:
        gr.Markdown(INTRO)
        shown = gr.State('')
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                gr.Markdown('## 1. Your photo')
                upload = gr.File(label='Upload a photo (JPEG, PNG, WebP; '
                                 'up to 25 MB)', file_types=['image'],
                                 elem_id='upload')
                bundled = gr.Dropdown([name for name, _ in bundled_images()],
                                      value='balloons.png', label='... or '
                                      'take a bundled image')
                preset = gr.Radio(list(PRESETS), value=DEFAULT_PRESET,
                                  label='Preset')
                gr.Markdown(_preset_help())
                seed = gr.Number(0, precision=0, label='Seed')
                train = gr.Button('Train', variant='primary',
                                  elem_id='train')
                message = gr.Markdown(elem_id='message')
            with gr.Column(scale=1):
                gr.Markdown('## 2. Training')
                job_id = gr.Dropdown(label='Job (also in the URL: ?job=ID)',
                                     choices=page.job_choices(),
                                     elem_id='job')
                status = gr.Markdown(elem_id='status')
                stop = gr.Button('Stop this training', size='sm',
                                 variant='stop', elem_id='stop',
                                 visible=False)
                snapshot = gr.Image(label='Latest snapshot (one per scale)',
                                    interactive=False, height=170)
        gr.Markdown('## 3. Results')
        with gr.Tabs():
            with gr.Tab('Samples'):
                trained = gr.Gallery(label='Samples of the training run',
                                     columns=6, height=190,
                                     object_fit='contain',
                                     elem_id='trained-samples')
                with gr.Row():
                    num = gr.Slider(1, 16, 4, step=1, label='How many')
                    fh = gr.Slider(0.5, 3, 1, step=0.25,
                                   label='Height factor')
                    fw = gr.Slider(0.5, 3, 1, step=0.25, label='Width '
                                   'factor', info='2: a panorama')
                    start = gr.Slider(0, 10, 0, step=1, label='Start scale',
                                      info='higher keeps more of the '
                                      'layout (training size only)')
                    sample_seed = gr.Number(1, precision=0, label='Seed')
                make = gr.Button('Make samples', variant='primary',
                                 elem_id='make-samples')
                sample_msg = gr.Markdown(elem_id='sample-message')
                gallery = gr.Gallery(label='Your samples', columns=4,
                                     height=300, object_fit='contain',
                                     elem_id='your-samples')
            with gr.Tab('Harmonize / edit'):
                gr.Markdown(
                    'Paste an object into the photo (or edit it elsewhere '
                    'and upload the result as the editor\'s background), '
                    'paint **over the changed region** with the brush, and '
                    'let SinGAN blend it in at a scale.')
                with gr.Accordion('Paste an object', open=True):
                    with gr.Row():
                        obj = gr.Image(label='Object (PNG with alpha cuts '
                                       'it out)', image_mode='RGBA',
                                       type='numpy', elem_id='object')
                        with gr.Column():
                            px = gr.Slider(0, 100, 40, label='x (% of '
                                           'width)')
                            py = gr.Slider(0, 100, 40, label='y (% of '
                                           'height)')
                            pw = gr.Slider(2, 100, 25, label='width (% of '
                                           'the photo)')
                            paste = gr.Button('Paste into the editor',
                                              elem_id='paste')
                with gr.Row():
                    editor = gr.ImageEditor(
                        label='Image and mask (paint the mask)',
                        type='numpy', brush=gr.Brush(
                            colors=['#ffffff'], color_mode='fixed'))
                    injected = gr.Image(label='Result', interactive=False,
                                        height=300,
                                        elem_id='blend-result')
                with gr.Row():
                    mode = gr.Radio(['harmonize', 'edit'], value='harmonize',
                                    label='Mode')
                    inj_start = gr.Slider(1, 10, 2, step=1,
                                          label='Injection scale')
                    resize = gr.Radio(['none', 'stretch', 'crop'],
                                      value='none', label='--resize',
                                      info='if the aspect ratio differs')
                    inj_seed = gr.Number(0, precision=0, label='Seed')
                run_inj = gr.Button('Blend', variant='primary',
                                    elem_id='blend')
                inj_msg = gr.Markdown(elem_id='blend-message')
            with gr.Tab('Animation'):
                with gr.Row():
                    frames = gr.Slider(2, 60, 20, step=1, label='Frames')
                    an_start = gr.Slider(0, 10, 1, step=1,
                                         label='Start scale', info='lower '
                                         'moves larger shapes')
                    alpha = gr.Slider(0, 1, 0.1, step=0.05, label='alpha',
                                      info='lower moves more')
                    an_seed = gr.Number(0, precision=0, label='Seed')
                run_anim = gr.Button('Animate', variant='primary',
                                     elem_id='animate')
                anim_msg = gr.Markdown(elem_id='animation-message')
                animation = gr.Image(label='Animation (GIF)',
                                     interactive=False, elem_id='gif')
            with gr.Tab('Download'):
                gr.Markdown('The checkpoint and the pickle of fixed noises: '
                            'use them with `tools/apps.py` or `singan`.')
                files = gr.File(label='Model files', file_count='multiple',
                                interactive=False)

        timer = gr.Timer(POLL_SECONDS)
        watched = [status, snapshot, trained, files, editor, animation,
                   start, inj_start, an_start, stop, shown]
        timer.tick(page.poll, [job_id, shown], watched,
                   concurrency_limit=None, show_progress='hidden')
        job_id.change(page.poll, [job_id, gr.State('')], watched,
                      concurrency_limit=None, show_progress='hidden').then(
            None, job_id, None, js=_SET_URL)
        demo.load(page.on_load, None, job_id, concurrency_limit=None)
        train.click(page.submit, [upload, bundled, preset, seed],
                    [job_id, message], concurrency_limit=None)
        stop.click(page.stop, job_id, message, concurrency_limit=None)
        make.click(page.samples, [job_id, num, fh, fw, start, sample_seed],
                   [gallery, sample_msg])
        paste.click(page.paste, [job_id, obj, px, py, pw], [editor, inj_msg])
        run_inj.click(page.inject, [job_id, editor, mode, inj_start, resize,
                                    inj_seed], [injected, inj_msg])
        run_anim.click(page.animate, [job_id, frames, an_start, alpha,
                                      an_seed], [animation, anim_msg])
    return demo


#: Puts the shown job's id into the address bar (reload shows it again).
_SET_URL = """(id) => {
  const url = new URL(window.location);
  if (id) { url.searchParams.set('job', id); }
  window.history.replaceState(null, '', url);
}"""
