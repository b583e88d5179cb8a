"""ARO101 multiple-event-loops: path-sensitive counting of asyncio.run() calls."""

import asyncio
import sys


async def fetch(x=None):
    return x


# The seed scenario: four loops in one RQ task.
def analyze_photo_task(photo_key, user_id):
    photo = asyncio.run(fetch(photo_key))
    result = asyncio.run(fetch(photo))  # error: ARO101:14
    analysis_id = asyncio.run(fetch(result))  # error: ARO101:19
    user = asyncio.run(fetch(user_id))  # error: ARO101:12
    return analysis_id, user


# A function with a single call is clean.
def single():
    return asyncio.run(fetch())


# Two flagged calls on one line: one report, at the first of them.
def two_on_one_line():
    asyncio.run(fetch())
    asyncio.run(fetch(1)); asyncio.run(fetch(2))  # error: ARO101:5


def two_in_one_expression():
    return asyncio.run(fetch(1)) + asyncio.run(fetch(2))  # error: ARO101:36


# if/else arms are exclusive.
def if_else(flag):
    if flag:
        asyncio.run(fetch(1))
    else:
        asyncio.run(fetch(2))


def if_elif_else(flag):
    if flag == 1:
        asyncio.run(fetch(1))
    elif flag == 2:
        asyncio.run(fetch(2))
    else:
        asyncio.run(fetch(3))


# An if without else falls through to the code after it.
def if_then_after(flag):
    if flag:
        asyncio.run(fetch(1))
    asyncio.run(fetch(2))  # error: ARO101


# Code after a branch that returns, raises, or exits is exclusive with that branch.
def early_return(flag):
    if flag:
        return asyncio.run(fetch(1))
    return asyncio.run(fetch(2))


def early_raise(flag):
    if not flag:
        asyncio.run(fetch(1))
        raise ValueError(flag)
    asyncio.run(fetch(2))


def early_exit(flag):
    if flag:
        asyncio.run(fetch(1))
        sys.exit(1)
    asyncio.run(fetch(2))


def bare_return(flag):
    if flag:
        asyncio.run(fetch(1))
        return
    asyncio.run(fetch(2))


# Conditional expressions: the two sides are exclusive.
def conditional_expression(flag):
    return asyncio.run(fetch(1)) if flag else asyncio.run(fetch(2))


def conditional_after_call(flag):
    asyncio.run(fetch(0))
    return asyncio.run(fetch(1)) if flag else None  # error: ARO101


# Boolean operators: the right side may or may not run after the left.
def boolean_operators(flag):
    return flag and asyncio.run(fetch(1))


def boolean_both_sides():
    return asyncio.run(fetch(1)) or asyncio.run(fetch(2))  # error: ARO101:37


# match arms are exclusive.
def match_arms(command):
    match command:
        case "a":
            asyncio.run(fetch(1))
        case "b" | "c":
            asyncio.run(fetch(2))
        case {"x": value}:
            asyncio.run(fetch(value))
        case _:
            asyncio.run(fetch(3))


def match_then_after(command):
    match command:
        case "a":
            asyncio.run(fetch(1))
    asyncio.run(fetch(2))  # error: ARO101


def match_guard(command):
    match command:
        case int(n) if asyncio.run(fetch(n)):
            asyncio.run(fetch(2))  # error: ARO101


# The count is per path: Nth on one path, Mth on another -> the larger count, named
# after the first call of that path.
def nth_and_mth(flag):
    if flag:
        asyncio.run(fetch(1))
        asyncio.run(fetch(2))  # error: ARO101
    else:
        asyncio.run(fetch(3))
    asyncio.run(fetch(4))  # error: ARO101


# Loops are entered zero or one time for counting; repetition is ARO102.
def after_a_loop(items):
    for item in items:
        print(item)
    asyncio.run(fetch(1))
