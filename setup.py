"""Install the ``singan`` package from ``projects/singan``.

The import name must equal the registry scope ``singan`` (mmengine imports
``singan.registry`` when a config says ``default_scope='singan'``).
"""
from setuptools import find_packages, setup


def _requirements(path: str):
    with open(path) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()]


setup(
    name='singan-mmengine',
    version='0.1.0',
    description='SinGAN (ICCV 2019) for the OpenMMLab ecosystem, on mmengine',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    package_dir={'singan': 'projects/singan'},
    packages=['singan'] + [
        f'singan.{p}' for p in find_packages('projects/singan')
    ],
    install_requires=[
        r for r in _requirements('requirements.txt') if
        not r.startswith('torch')
    ] + ['torch>=2.1'],
    extras_require={'tests': _requirements('requirements-test.txt')},
)
