"""Build hook: ship configs, tools and sample images inside ``singan``.

Metadata is in ``pyproject.toml``. This file only makes ``build_py`` copy
``configs/``, ``tools/`` and ``data/singan/`` of the source tree into
``singan/.mim/`` of the build, the layout OpenMMLab's ``mim`` uses, so an
installed package finds its configs by name (``singan.resources``) and
``_base_`` files resolve next to them. The repository keeps one copy; the
copies exist only in the build folder and the wheel.
"""
import os.path as osp
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

_ROOT = osp.dirname(osp.abspath(__file__))
#: Source folders copied to ``singan/.mim/<folder>``.
_MIM_FOLDERS = ('configs', 'tools', osp.join('data', 'singan'))
_IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '.*')


class BuildPyWithMim(build_py):
    """``build_py`` that also writes ``singan/.mim/`` into the build."""

    def run(self) -> None:
        """Build the modules, then copy the mim folders next to them."""
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's folders
        target = osp.join(self.build_lib, 'singan', '.mim')
        shutil.rmtree(target, ignore_errors=True)  # no stale configs
        for folder in _MIM_FOLDERS:
            source = osp.join(_ROOT, folder)
            if not osp.isdir(source):
                raise FileNotFoundError(
                    f'{source} is missing from the source tree, so the '
                    'package would ship without it. Build from a full '
                    'checkout, or add the folder to MANIFEST.in if it is '
                    'missing from the sdist.')
            shutil.copytree(source, osp.join(target, folder), ignore=_IGNORE)


setup(cmdclass={'build_py': BuildPyWithMim})
