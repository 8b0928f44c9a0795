"""Make ``import singan`` work from a source checkout that is not installed."""
import os.path as osp
import sys

_PROJECTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                     'projects')
try:
    import singan  # noqa: F401
except ImportError:
    sys.path.insert(0, _PROJECTS)
