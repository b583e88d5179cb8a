"""The seed scenario: an RQ task that starts four event loops (ARO101).

The fourth call failed in production with asyncpg's "cannot perform operation: another
operation is in progress": the pool belonged to the loop the third call had closed.
"""

import asyncio
import logging

from myapp.repositories import AnalysisRepository, UserRepository
from myapp.services import FraudLensClient, PhotoStorage

log = logging.getLogger(__name__)
storage = PhotoStorage()
fraudlens = FraudLensClient()


def analyze_photo_task(photo_key: str, user_id: int, chat_id: int) -> dict:
    photo_bytes = asyncio.run(storage.download(photo_key))
    result = asyncio.run(fraudlens.verify_photo(photo_bytes))
    analysis_id = asyncio.run(
        AnalysisRepository().create_analysis(photo_key, user_id, chat_id, result)
    )
    user = asyncio.run(UserRepository().get_user(user_id))
    user_tier = user.get("subscription_tier", "free") if user else "free"
    log.info("analysis %s done for a %s user", analysis_id, user_tier)
    return {"analysis_id": analysis_id, "tier": user_tier, "verdict": result["verdict"]}
