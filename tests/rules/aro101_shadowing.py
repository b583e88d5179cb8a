"""Names that look like runners but are not: nothing here is reported."""

import asyncio
import subprocess
from asyncio import run


async def work(x=None):
    return x


def local_def():
    def run(x):
        return x

    run(work(1))
    run(work(2))


def parameter(run):
    run(work(1))
    run(work(2))


def keyword_only_parameter(*, run=None):
    run(work(1))
    run(work(2))


def process_objects(proc):
    proc.run()
    proc.run()
    subprocess.run(["true"], check=True)
    subprocess.run(["true"], check=True)


class Job:
    def run(self, coro):
        return coro

    def go(self):
        self.run(work(1))
        self.run(work(2))


def reassigned_locally():
    run = print
    run(work(1))
    run(work(2))


def shadowed_module(asyncio):
    asyncio.run(work(1))
    asyncio.run(work(2))


def imported_elsewhere():
    from subprocess import run

    run(["true"], check=True)
    run(["true"], check=True)


def loop_variable(runners):
    for run in runners:
        run(work(1))
        run(work(2))


def comprehension_variable(runners):
    return [run(work(1)) + run(work(2)) for run in runners]


def exception_name():
    try:
        pass
    except Exception as run:
        run(work(1))
        run(work(2))


def with_target(manager):
    with manager as run:
        run(work(1))
        run(work(2))


def walrus(factory):
    if (run := factory()) is not None:
        run(work(1))
        run(work(2))


def other_module_attribute(loop):
    loop.run_until_complete(work(1))
    loop.run_until_complete(work(2))
