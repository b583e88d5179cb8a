"""What the analysis itself needs to know: extra runners and loop-bound factories."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisOptions:
    #: Dotted names of functions in other modules that run an event loop per call.
    runners: tuple[str, ...] = ()
    #: Dotted names of callables that create loop-bound resources.
    factories: tuple[str, ...] = ()
