"""The Gradio page of ``singan app``: its layout and events.

The handlers are :class:`.page.Page`'s; the job logic is in :mod:`.jobs`,
:mod:`.uploads` and :mod:`.results`. The job shown is the job id in the
URL (``?job=ID``), so a reload or a second tab shows the same job.
"""
import gradio as gr

from ..presets import DEFAULT_PRESET, PRESETS
from .jobs import JobStore
from .page import Page, bundled_images, preset_help

__all__ = ['build_ui', 'theme', 'CSS']

#: Seconds between two looks at the job's ``progress.json``.
POLL_SECONDS = 2.0

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
                # no file_types: Gradio's own refusal reads only "Error";
                # page.check_photo says what is wrong with a file and why
                upload = gr.File(label='Upload a photo (JPEG, PNG, WebP; '
                                 'up to 25 MB)', elem_id='upload')
                bundled = gr.Dropdown([name for name, _ in bundled_images()],
                                      value=None, label='... or take a '
                                      'bundled image', elem_id='bundled')
                preset = gr.Radio(list(PRESETS), value=DEFAULT_PRESET,
                                  label='Preset')
                gr.Markdown(preset_help())
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
        upload.upload(page.check_photo, [upload, preset],
                      [message, bundled], concurrency_limit=None)
        upload.clear(lambda: '', None, message, concurrency_limit=None)
        # one source at a time: a bundled image replaces the upload
        bundled.select(lambda: (None, ''), None, [upload, message],
                       concurrency_limit=None)
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
