"""ARO106: a file that imports nest_asyncio without calling apply() is clean."""

import nest_asyncio
from nest_asyncio import apply

HELP = "call nest_asyncio.apply() in a notebook"  # a string, not a call


def patched():
    return apply is nest_asyncio.apply
