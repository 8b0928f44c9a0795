"""Reading a config stored as text in a checkpoint, without running it.

mmengine's ``CheckpointHook`` stores the run's config as Python text
(``Config.pretty_text``) in ``meta['cfg']`` and
``message_hub['runtime_info']['cfg']``. ``Config.fromstring`` would execute
that text, so a checkpoint, which :mod:`.safe_load` unpickles with care,
could still run code through its config. ``pretty_text`` is a list of
assignments of plain values (numbers, strings, lists, tuples, dicts and
``dict(key=value)`` calls), so this module evaluates exactly that and
refuses anything else.
"""
import ast
from typing import Any, Dict

__all__ = ['ConfigTextError', 'parse_config_text']


class ConfigTextError(ValueError):
    """Config text that is not plain settings."""


def parse_config_text(text: str, source: str) -> Dict[str, Any]:
    """The settings of a config written as ``name = value`` lines.

    Args:
        text (str): Python text of the form ``Config.pretty_text`` writes.
        source (str): Where it came from (a checkpoint path), for messages.

    Returns:
        dict: ``{name: value}``; values are numbers, strings, booleans,
        ``None``, lists, tuples and dicts of those.

    Raises:
        ConfigTextError: The text does not parse, or holds something other
            than assignments of plain values (imports, calls other than
            ``dict(...)``, names, expressions); nothing of it is run.
    """
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as err:
        raise ConfigTextError(
            f'The config stored in {source} does not parse (line '
            f'{err.lineno}: {err.msg}).') from None
    settings = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            _refuse(node, source, 'a statement other than NAME = VALUE')
        settings[node.targets[0].id] = _value(node.value, source)
    return settings


def _value(node: ast.AST, source: str) -> Any:
    """The plain value an expression node writes, else refuse it."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(item, source) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_value(k, source): _value(v, source)
                for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == 'dict' and not node.args and \
            all(kw.arg is not None for kw in node.keywords):
        return {kw.arg: _value(kw.value, source) for kw in node.keywords}
    if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, (ast.USub, ast.UAdd)) and isinstance(
                node.operand, ast.Constant) and isinstance(
                    node.operand.value, (int, float)):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    _refuse(node, source, f'an expression ({type(node).__name__})')


def _refuse(node: ast.AST, source: str, what: str) -> None:
    """Raise :class:`ConfigTextError` naming the line of ``node``."""
    snippet = ast.unparse(node)
    snippet = snippet if len(snippet) <= 60 else snippet[:57] + '...'
    raise ConfigTextError(
        f'The config stored in {source} holds {what} on line '
        f'{node.lineno}: {snippet!r}. Stored configs are read as plain '
        'settings and never run; pass the config file instead.')
