"""ARO106 through a star import of nest_asyncio."""

from nest_asyncio import *

apply()  # error: ARO106:1
