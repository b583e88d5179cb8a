"""The project index: what every module of a project tells the others.

Rules that cross modules (a wrapper defined in ``utils.py``, a pool cached in ``db.py``
and reached from a task in ``tasks.py``) read it.  It is built from one small summary
per module (``facts.py``), made without a parse for modules the text prefilter
rules out, and kept on disk between runs (``cache.py``).
"""
