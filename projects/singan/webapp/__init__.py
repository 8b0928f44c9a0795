"""``singan app``: SinGAN in the browser, for artists with one photo.

Upload a photo (or take a bundled one), pick a preset, watch it train,
then make samples of any size, harmonize a pasted object, animate, and
download the model. Needs the ``demo`` extra (Gradio); importing this
package without it raises ``ImportError``, which ``singan app`` reports.

The job logic is in :mod:`.jobs`, :mod:`.uploads` and :mod:`.results`
(plain Python); :mod:`.ui` is the Gradio page over them.
"""
import gradio  # noqa: F401  (the demo extra; fail here, not mid-request)

from .server import add_arguments, run

__all__ = ['add_arguments', 'run']
