"""A Celery task that calls async_to_sync twice (ARO105).

In a worker thread with no running loop, each call starts and closes an event loop:
channels_redis then fails with "Event loop is closed" on the second group_send.
"""

from asgiref.sync import async_to_sync
from celery import shared_task
from channels.layers import get_channel_layer


@shared_task
def notify_user(user_id: int, text: str) -> None:
    channel_layer = get_channel_layer()
    async_to_sync(channel_layer.group_send)(f"user-{user_id}", {"type": "notify", "text": text})
    async_to_sync(channel_layer.group_send)("audit", {"type": "notify", "text": text})
