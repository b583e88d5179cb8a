"""ARO106 nest-asyncio-patch: every call of nest_asyncio.apply() (or nest_asyncio2's),
through every import form and in every kind of scope; nothing else named apply."""

import nest_asyncio
import nest_asyncio as na
import nest_asyncio2
import nest_asyncio2 as na2
from nest_asyncio import apply as patch
from nest_asyncio2 import apply as patch2

nest_asyncio.apply()  # error: ARO106:1
na.apply()  # error: ARO106
nest_asyncio2.apply()  # error: ARO106
na2.apply()  # error: ARO106
patch(loop=None)  # error: ARO106
reentrant = nest_asyncio.apply
reentrant()  # error: ARO106


def in_a_function(loop):
    patch(loop)  # error: ARO106:5
    patch2(loop)  # error: ARO106


async def in_an_async_function():
    if True:
        nest_asyncio.apply()  # error: ARO106:9


class InAClass:
    na.apply()  # error: ARO106

    def method(self):
        return lambda: nest_asyncio2.apply()  # error: ARO106:24


def local_import():
    from nest_asyncio import apply

    apply()  # error: ARO106


# Not the patch: other calls named apply, shadowed names, an import alone, prose.


class Frame:
    def apply(self, fn):
        return fn(self)


def unrelated(frame, series):
    frame.apply(len)
    series.apply(str)
    Frame().apply(print)


def shadowed(patch, nest_asyncio):
    patch()
    nest_asyncio.apply()


def shadowed_locally():
    def patch2():
        return None

    patch2()


def apply():
    return None


apply()
note = "nest_asyncio.apply() would make the loop re-entrant"
# nest_asyncio.apply()
