"""ARO101 with try/except/else/finally and except*: handled honestly.  A call in an
except or finally block can follow a call in the try body (which may have raised after
its loop was created and closed)."""

import asyncio


async def work(x=None):
    return x


def retry_in_except():
    try:
        asyncio.run(work(1))
    except ConnectionError:
        asyncio.run(work(2))  # error: ARO101


def cleanup_in_finally():
    try:
        asyncio.run(work(1))
    finally:
        asyncio.run(work(2))  # error: ARO101


def all_three():
    try:
        asyncio.run(work(1))
    except Exception:
        asyncio.run(work(2))  # error: ARO101
    finally:
        asyncio.run(work(3))  # error: ARO101


def else_follows_try():
    try:
        asyncio.run(work(1))
    except Exception:
        pass
    else:
        asyncio.run(work(2))  # error: ARO101


def except_and_else_are_exclusive():
    try:
        value = int("1")
    except ValueError:
        asyncio.run(work(1))
    else:
        asyncio.run(work(value))


def handlers_are_exclusive():
    try:
        value = int("1")
    except ValueError:
        asyncio.run(work(1))
    except TypeError:
        asyncio.run(work(2))
    return value


def handler_that_returns():
    try:
        asyncio.run(work(1))
    except Exception:
        return None
    asyncio.run(work(2))  # error: ARO101


def single_call_inside_try():
    try:
        return asyncio.run(work(1))
    except RuntimeError:
        return None
    finally:
        print("done")


def raise_in_handler():
    try:
        value = int("x")
    except ValueError:
        asyncio.run(work(1))
        raise
    asyncio.run(work(value))


def except_star():
    try:
        asyncio.run(work(1))
    except* ValueError:
        asyncio.run(work(2))  # error: ARO101


def except_star_exclusive():
    try:
        value = int("1")
    except* ValueError:
        asyncio.run(work(1))
    except* TypeError:
        asyncio.run(work(2))
    return value


def with_block():
    with open(__file__) as handle:
        asyncio.run(work(handle))
    asyncio.run(work(2))  # error: ARO101


def nested_try_return_in_finally_path(flag):
    try:
        if flag:
            return asyncio.run(work(1))
    finally:
        asyncio.run(work(2))  # error: ARO101
