"""Turning one runner call into what replaces it inside a coroutine or a Runner.

    asyncio.run(x)                 -> await x
    anyio.run(f, a) / trio.run(f, a) -> await f(a)
    async_to_sync(f)(a)            -> await f(a)
    run_sync(x)   (pass-through)   -> await x
    asyncio.run(x), run_sync(x)    -> runner.run(x)       (runner style)

Comments and line breaks inside the call's parentheses are kept by moving them onto
parentheses around the awaited expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from flake8_asyncio_run.findings import RunnerCall

#: Expressions ``await`` can take without parentheses (Python's "primary").
_PRIMARY = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.List,
    cst.Set,
    cst.Dict,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.Ellipsis,
)


@dataclass(frozen=True)
class Unpacked:
    """A runner call taken apart: what it awaits, and the runner's own keywords."""

    #: The awaitable expression (``x``, or the call ``f(a)`` built from the parts).
    awaitable: cst.BaseExpression
    #: The runner's keyword arguments (``debug=True``), as source text for comparison.
    keywords: tuple[tuple[str, str], ...]
    keyword_nodes: tuple[cst.Arg, ...]


class CannotUnpack(Exception):
    """The call's shape cannot be turned into an await (``asyncio.run(*args)``...)."""


def unpack(module: cst.Module, node: cst.Call, call: RunnerCall) -> Unpacked:
    if call.form == "async_to_sync":
        inner = node.func
        if not isinstance(inner, cst.Call):
            raise CannotUnpack("unexpected async_to_sync() shape")
        positional, keywords = _split(inner.args)
        if len(positional) != 1 or positional[0].star:
            raise CannotUnpack("async_to_sync() takes one function")
        target = _as_primary(positional[0].value)
        awaitable = cst.Call(
            func=target,
            args=node.args,
            whitespace_after_func=node.whitespace_after_func,
            whitespace_before_args=node.whitespace_before_args,
        )
        return _unpacked(module, awaitable, keywords)
    if call.form == "a2s_callable":
        raise CannotUnpack(
            f"{call.display} calls what async_to_sync() made elsewhere; the fixer "
            "rewrites only async_to_sync(f)(...) calls"
        )
    if call.form == "entry":
        raise CannotUnpack(
            f"{call.display} runs a coroutine of its own: await that coroutine instead"
        )
    if call.form == "run_until_complete" and not call.passthrough:
        raise CannotUnpack(
            f"{call.display} may run another loop than the kernel's running one (only "
            "asyncio.get_event_loop() there is that loop): 'await' would change the loop"
        )
    positional, keywords = _split(node.args)
    if call.form == "wrapper" and call.family == "custom":
        raise CannotUnpack(
            f"{call.display} is a configured runner: its body is not analysed, so the "
            "fixer cannot know that awaiting its argument does the same"
        )
    if call.form == "wrapper" and (keywords or not call.passthrough):
        raise CannotUnpack(f"{call.display} is not a plain pass-through")
    if not positional:
        raise CannotUnpack("the runner's coroutine is passed by keyword")
    if positional[0].star:
        raise CannotUnpack("the runner's first argument is unpacked with '*'")
    if call.form == "callable":
        func = _as_primary(positional[0].value)
        rest = [
            _without_comma(a) if i == len(positional) - 2 else a
            for i, a in enumerate(positional[1:])
        ]
        awaitable = cst.Call(func=func, args=rest)
        return _unpacked(module, awaitable, keywords)
    if len(positional) != 1:
        raise CannotUnpack("the runner takes one coroutine")
    argument = positional[0]
    value = argument.value
    inside = _trailing_whitespace(argument, keywords)
    if _is_multiline(node.whitespace_before_args) or _is_multiline(inside):
        # Keep comments and line breaks: they move onto parentheses around the value.
        value = value.with_changes(
            lpar=[cst.LeftParen(whitespace_after=node.whitespace_before_args), *value.lpar],
            rpar=[*value.rpar, cst.RightParen(whitespace_before=inside)],
        )
    return _unpacked(module, value, keywords)


def to_await(unpacked: Unpacked, original: cst.Call, primary: bool) -> cst.Await:
    """``await x``, parenthesised where the call's value is used as a primary."""
    value = _as_primary(unpacked.awaitable)
    lpar = list(original.lpar)
    rpar = list(original.rpar)
    if primary and not lpar:
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=value, lpar=lpar, rpar=rpar)


def to_runner_run(original: cst.Call, runner_name: str) -> cst.Call:
    """``runner.run(x)`` (asyncio only: the call's one positional argument is the
    coroutine); the call's own layout and comments stay, its keywords go to Runner()."""
    positional, keywords = _split(original.args)
    argument = positional[0]
    if keywords:
        argument = _without_comma(argument)
    return original.with_changes(
        func=cst.Attribute(value=cst.Name(runner_name), attr=cst.Name("run")),
        args=[argument],
    )


def _unpacked(
    module: cst.Module, awaitable: cst.BaseExpression, keywords: list[cst.Arg]
) -> Unpacked:
    texts = []
    for arg in keywords:
        if arg.star or arg.keyword is None:
            raise CannotUnpack("the runner gets '**' keyword arguments")
        texts.append((arg.keyword.value, module.code_for_node(arg.value).strip()))
    return Unpacked(awaitable, tuple(sorted(texts)), tuple(keywords))


def _split(args: Sequence[cst.Arg]) -> tuple[list[cst.Arg], list[cst.Arg]]:
    positional = [a for a in args if a.keyword is None and a.star != "**"]
    keywords = [a for a in args if a.keyword is not None or a.star == "**"]
    return positional, keywords


def _without_comma(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _trailing_whitespace(
    argument: cst.Arg, keywords: list[cst.Arg]
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between the awaited value and the call's closing parenthesis."""
    if keywords:
        return cst.SimpleWhitespace("")
    if isinstance(argument.comma, cst.Comma):
        return argument.comma.whitespace_after
    return argument.whitespace_after_arg


def _is_multiline(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace)


def _as_primary(node: cst.BaseExpression) -> cst.BaseExpression:
    if node.lpar or isinstance(node, _PRIMARY):
        return node
    if isinstance(node, (cst.Tuple, cst.GeneratorExp)) and node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
