"""A view turned async without updating its body (ARO103).

asyncio.run() raises "cannot be called from a running event loop" here; anyio.run()
refuses or blocks the whole server.
"""

import asyncio

import anyio
from django.http import JsonResponse

from myapp.services import load_profile, load_settings


async def profile_view(request):
    profile = asyncio.run(load_profile(request.user.id))
    settings = anyio.run(load_settings, request.user.id)
    return JsonResponse({"profile": profile, "settings": settings})
