"""The fixer contract of docs/architecture.md, as other front ends (formats, the
language server, the proof suite) rely on it."""

from __future__ import annotations

import gc
import textwrap

import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.fix import (
    FixOutcome,
    FixPlan,
    TextEdit,
    apply_plans,
    fix_text,
    pipeline,
    plan_fixes,
)
from flake8_asyncio_run.fix.pipeline import apply_edits, compatible_plans

SOURCE = textwrap.dedent(
    """\
    import asyncio


    def task(key):
        raw = asyncio.run(fetch(key))
        if not raw:
            return None
        asyncio.run(store(raw))
        print("stored")


    async def handler():
        títle = "é"; value = asyncio.run(work())
        return value


    def mixed():
        loop = asyncio.get_event_loop()
        asyncio.run(one())
    """
)


def plans_for(text: str, style: str = "auto", target: tuple[int, int] = (3, 10)) -> list[FixPlan]:
    analysis = analyze_source(text)
    return plan_fixes(text, analysis, analysis.findings, style=style, target=target)


def test_plan_fields() -> None:
    plans = plans_for(SOURCE)
    assert [(p.applicability, p.style, p.findings[0].code) for p in plans] == [
        ("unsafe", "combine", "ARO101"),
        ("safe", "await", "ARO103"),
        ("none", None, "ARO104"),
    ]
    unsafe, await_plan, none = plans
    assert unsafe.reason == "'return' between the calls"
    assert unsafe.title == "Combine event loops into one coroutine"
    assert unsafe.hint is not None
    assert unsafe.hint.startswith("use --unsafe-fixes or --target-version py311")
    assert await_plan.reason is None and await_plan.title == "Replace asyncio.run() with await"
    assert none.edits == () and none.title == "No automatic fix"
    assert all(isinstance(e, TextEdit) and isinstance(e.span, Span) for p in plans for e in p.edits)


def test_edits_are_code_point_spans() -> None:
    await_plan = plans_for(SOURCE)[1]
    (edit,) = await_plan.edits
    line = SOURCE.splitlines()[edit.span.line - 1]
    assert line[edit.span.col : edit.span.end_col] == "asyncio.run(work())"
    assert edit.replacement == "await work()"


def test_apply_plans_respects_unsafe() -> None:
    plans = plans_for(SOURCE)
    safe_only = apply_plans(SOURCE, plans)
    assert "await work()" in safe_only and "async def _task_async" not in safe_only
    everything = apply_plans(SOURCE, plans, unsafe=True)
    assert "return asyncio.run(_task_async())" in everything
    compile(everything, "x", "exec", dont_inherit=True)


def test_style_choice() -> None:
    runner = plans_for(SOURCE, "runner", (3, 11))[0]
    assert (runner.applicability, runner.style, runner.title) == (
        "safe",
        "runner",
        "Run the calls on one asyncio.Runner",
    )
    auto = plans_for(SOURCE, "auto", (3, 11))[0]
    assert auto.style == "runner"  # combine is unsafe, the runner style is safe
    with pytest.raises(ValueError, match="unknown fix style"):
        plans_for(SOURCE, "fast")


def test_only_the_given_findings_are_planned() -> None:
    analysis = analyze_source(SOURCE)
    chosen = [f for f in analysis.findings if f.code == "ARO103"]
    plans = plan_fixes(SOURCE, analysis, chosen)
    assert [p.findings for p in plans] == [tuple(chosen)]


def test_overlapping_plans_are_applied_in_later_passes() -> None:
    text = textwrap.dedent(
        """\
        import asyncio


        async def handler():
            return asyncio.run(outer(asyncio.run(inner())))
        """
    )
    plans = plans_for(text)
    assert len(plans) == 1  # one finding per line and code
    assert len(plans[0].edits) == 1  # the inner call's edit would overlap: next pass
    outcome = fix_text(text, "x.py", Settings())
    assert "return await outer(await inner())" in outcome.text
    assert outcome.fixed_count == 2


def test_compatible_plans_skip_overlaps() -> None:
    text = textwrap.dedent(
        """\
        import asyncio


        def outer():
            asyncio.run(one())

            def inner():
                asyncio.run(two())
                asyncio.run(three())

            asyncio.run(four())
        """
    )
    plans = plans_for(text, "runner", (3, 11))
    assert len(plans) == 2
    assert len(compatible_plans(plans, unsafe=False)) == 1
    outcome = fix_text(text, "x.py", Settings(), "runner", target=(3, 11))
    assert outcome.text.count("asyncio.Runner()") == 2


def test_apply_edits_rejects_overlap_and_dedupes() -> None:
    edit = TextEdit(Span(1, 0, 1, 1), "X")
    assert apply_edits("ab\n", [edit, edit]) == "Xb\n"
    with pytest.raises(ValueError):
        apply_edits("ab\n", [edit, TextEdit(Span(1, 0, 1, 2), "Y")])


def test_fix_text_outcome() -> None:
    outcome = fix_text(SOURCE, "x.py", Settings(), unsafe=True, target=(3, 10))
    assert isinstance(outcome, FixOutcome)
    assert outcome.changed and outcome.source == SOURCE
    assert [p.style for p in outcome.applied] == ["combine", "await"]
    assert [f.code for f in outcome.initial] == ["ARO101", "ARO103", "ARO104"]
    assert [f.code for f in outcome.remaining] == ["ARO104"]
    assert outcome.reasons == (
        "ARO104 has no automatic fix: use one asyncio.run() or asyncio.Runner alone",
    )
    again = fix_text(outcome.text, "x.py", Settings(), unsafe=True, target=(3, 10))
    assert not again.changed


def test_fix_text_target_from_settings() -> None:
    outcome = fix_text(SOURCE, "x.py", Settings(target_version="py311"))
    assert "with asyncio.Runner() as runner:" in outcome.text


def test_syntax_error_outcome() -> None:
    outcome = fix_text("import asyncio\ndef f(:\n    asyncio.run(x())\n", "x.py", Settings())
    assert outcome.syntax_error is not None and not outcome.changed
    assert [f.code for f in outcome.remaining] == ["E999"]


def test_flake8_plugin_does_not_import_libcst() -> None:
    import subprocess
    import sys

    code = "import sys, flake8_asyncio_run.plugin; print('libcst' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "module",
    ["flake8_asyncio_run.findings", "flake8_asyncio_run.lines", "flake8_asyncio_run.output.report"],
)
def test_fix_types_and_reports_import_without_libcst(module: str) -> None:
    """The plan and edit types live in ``findings``, so the output formats (and anyone
    else) can name them without loading the fixer."""
    import subprocess
    import sys

    code = f"import sys, {module}; print(sorted(m for m in sys.modules if 'libcst' in m))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_fixer_re_exports_the_types_of_findings() -> None:
    import flake8_asyncio_run.findings as findings
    import flake8_asyncio_run.fix as fix

    for name in ("Applicability", "FixOutcome", "FixPlan", "Style", "StyleOption", "TextEdit"):
        assert getattr(fix, name) is getattr(findings, name)


def test_file_that_parses_but_does_not_compile_is_skipped() -> None:
    """``ast`` accepts a late ``from __future__`` import; the compiler does not.  That is
    the file's problem, not an internal error of the fixer."""
    text = "import asyncio\nfrom __future__ import annotations\n\n\ndef f():\n"
    text += "    asyncio.run(a())\n    asyncio.run(b())\n"
    outcome = fix_text(text, "x.py", Settings())
    assert outcome.internal_error is None
    assert outcome.syntax_error is not None and "from __future__" in outcome.syntax_error
    assert not outcome.changed


def test_fix_text_pauses_the_garbage_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    during: list[bool] = []
    real_plan = pipeline.plan_fixes

    def spying_plan(*args: object, **kwargs: object) -> list[FixPlan]:
        during.append(gc.isenabled())
        return real_plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "plan_fixes", spying_plan)
    assert gc.isenabled()
    outcome = fix_text(SOURCE, "x.py", Settings(), target=(3, 11))
    assert outcome.applied and during and not any(during)
    assert gc.isenabled()
    # Left off by a caller: still off afterwards.
    gc.disable()
    try:
        fix_text(SOURCE, "x.py", Settings(), target=(3, 11))
        assert not gc.isenabled()
    finally:
        gc.enable()
    # An exception on the way out still turns it back on.
    monkeypatch.setattr(pipeline, "plan_fixes", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        fix_text(SOURCE, "x.py", Settings(), target=(3, 11))
    assert gc.isenabled()


def test_one_run_applies_what_a_second_run_would() -> None:
    """A fix inside another plan's region (ARO103's await in a nested coroutine) can make
    that plan safe: fix_text must plan again rather than carry the old verdict over, or
    a second run would change the text again (found by the structured fuzz test)."""
    source = (
        "import asyncio\nimport anyio\n\n\ndef task(a, b):\n    first = anyio.run(g, a)\n"
        "    async def co():\n        await asyncio.sleep(0)\n        x = anyio.run(g, a)\n"
        "    x = anyio.run(g, a)\n"
    )
    once = fix_text(source, "p.py", Settings(), "auto", False, (3, 11))
    assert "await g(a)" in once.text
    twice = fix_text(once.text, "p.py", Settings(), "auto", False, (3, 11))
    assert twice.text == once.text
