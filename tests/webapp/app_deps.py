"""What the app's tests need: the demo extra, and in CI always."""
import importlib
import os

import pytest


def require(module: str, install: str):
    """Import ``module``; fail in CI (``CI=true``) without it, else skip.

    Args:
        module (str): E.g. ``'gradio'``.
        install (str): The command that installs it, for the message.

    Returns:
        module: The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        message = f'{module} is not installed ({err}); install it: {install}'
        if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'):
            pytest.fail(f'CI must run the app tests: {message}',
                        pytrace=False)
        pytest.skip(message, allow_module_level=True)
