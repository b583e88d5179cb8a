"""The programs of the execution-equivalence proof.

Each program defines fake async functions that record their side effects (and, apart,
their loop) through ``loopprobe``; ``calls`` are the task calls the driver evaluates
after importing the program.  The programs live in strings so that our own linter,
which runs over the repository, does not report them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proof_harness import program

#: Fake async functions most programs share.
PRELUDE = program(
    """
    import asyncio
    from loopprobe import checkpoint, record, store


    async def fetch(value):
        record("fetch", value)
        await checkpoint()
        return value + 1


    async def pair(a, b):
        record("pair", a, b)
        await checkpoint()
        return a * 2, b * 3


    def helper(value):
        record("helper", value)
        print("helper", value)
        return value * 10
    """
)

SEED = program(
    """
    import asyncio

    from loopprobe import checkpoint, record, store


    class PhotoStorage:
        async def download(self, key):
            record("download", key)
            await checkpoint()
            if key.startswith("missing"):
                raise FileNotFoundError(key)
            return f"bytes-of-{key}".encode()


    class FraudLensClient:
        async def verify_photo(self, photo_bytes):
            record("verify", len(photo_bytes))
            await checkpoint()
            score = sum(photo_bytes) % 100
            verdict = "authentic" if score >= 40 else "suspicious"
            return {"score": score, "verdict": verdict, "reasons": ["exif", "noise"][: score % 3]}


    class AnalysisRepository:
        def __init__(self):
            self.created = 0

        async def create_analysis(self, photo_key, user_id, chat_id, photo_bytes, result):
            await checkpoint()
            self.created += 1
            analysis_id = f"ANL-{user_id}-{self.created:04d}"
            store("analyses", {"id": analysis_id, "key": photo_key, "chat": chat_id,
                               "size": len(photo_bytes), "score": result["score"]})
            return analysis_id


    class UserRepository:
        USERS = {1: {"user_id": 1, "subscription_tier": "pro"}, 2: {"user_id": 2}}

        async def get_user(self, user_id):
            record("get_user", user_id)
            await checkpoint()
            return self.USERS.get(user_id)


    storage = PhotoStorage()
    fraudlens = FraudLensClient()
    analysis_repo = AnalysisRepository()
    user_repo = UserRepository()


    def analyze_photo_task(photo_s3_key, user_id, chat_id):
        # STAGE 1: Download the photo
        photo_bytes = asyncio.run(storage.download(photo_s3_key))
        print(f"[Worker] STAGE 1/6: downloaded {len(photo_bytes)} bytes")

        # STAGE 3: Verify with FraudLens
        result = asyncio.run(fraudlens.verify_photo(photo_bytes))

        # STAGE 4: Save to DB
        analysis_id = asyncio.run(
            analysis_repo.create_analysis(photo_s3_key, user_id, chat_id, photo_bytes, result)
        )

        # Get user tier (NEW - caused the error!)
        user = asyncio.run(user_repo.get_user(user_id))
        user_tier = user.get("subscription_tier", "free") if user else "free"

        print(f"[Worker] STAGE 4/6: analysis_id={analysis_id} | user_tier={user_tier}")
        if user_tier == "pro":
            message = f"Verdict: {result['verdict']} (score {result['score']})"
        else:
            message = f"Verdict: {result['verdict']}"
        return {"analysis_id": analysis_id, "user_tier": user_tier, "message": message}
    """
)

SEED_CALLS = [
    "analyze_photo_task('cat.png', 1, 100)",
    "analyze_photo_task('dog.png', 2, 200)",
    "analyze_photo_task('owl.png', 3, 300)",
    "analyze_photo_task('missing.png', 1, 400)",
    "analysis_repo.created",
]


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    calls: list[str]
    #: Styles (by name) that must leave the program unchanged: "no fix" is their answer.
    unchanged: frozenset[str] = frozenset()
    #: Styles that may fix or decline (the issue allows "unsafe or absent").
    optional: frozenset[str] = frozenset()
    #: Libraries the program imports besides asyncio.
    needs: tuple[str, ...] = ()
    module: str = "program"
    notes: str = field(default="", compare=False)


SCENARIOS: list[Scenario] = [
    Scenario("seed", SEED, SEED_CALLS),
    Scenario(
        "reassignment",
        PRELUDE
        + "\n\n"
        + program(
            """
            def total(n):
                x = n
                x = x + asyncio.run(fetch(n))
                x = x + asyncio.run(fetch(x))
                x += asyncio.run(fetch(x * 2))
                return x
            """
        ),
        ["total(1)", "total(5)"],
    ),
    Scenario(
        "conditional-names",
        PRELUDE
        + "\n\n"
        + program(
            """
            def maybe_before(n):
                if n > 2:
                    seed = n * 100
                first = asyncio.run(fetch(n))
                if first > 3:
                    seed = asyncio.run(fetch(seed))
                return first, seed


            def unbound_read(n):
                if n > 2:
                    seed = n * 100
                first = asyncio.run(fetch(n))
                if first > 1:
                    seed = asyncio.run(fetch(seed))
                return first, seed


            def read_only(n):
                if n > 2:
                    scale = n
                first = asyncio.run(fetch(n))
                second = asyncio.run(fetch(first * scale))
                return first, second


            def either(n):
                total = asyncio.run(fetch(n))
                if total % 2:
                    kind = "odd"
                    total = asyncio.run(fetch(total))
                else:
                    kind = "even"
                print(kind, total)
                return kind, total
            """
        ),
        # maybe_before(2) returns an unbound seed; unbound_read(1) and read_only(1) read
        # one between the calls: the UnboundLocalError (type and message) is behaviour
        # too, and a free variable of a nested coroutine would raise NameError instead.
        [
            "maybe_before(1)",
            "maybe_before(2)",
            "maybe_before(3)",
            "maybe_before(5)",
            "unbound_read(1)",
            "unbound_read(3)",
            "read_only(1)",
            "read_only(4)",
            "either(1)",
            "either(2)",
        ],
        # combine declines where a local may be unbound when the region reads it.
        optional=frozenset({"combine"}),
    ),
    Scenario(
        "maybe-unbound-after-region",
        PRELUDE
        + "\n\n"
        + program(
            """
            def classify(n):
                label = "none"
                a = asyncio.run(fetch(n))
                if a > 5:
                    label = "big"
                    b = asyncio.run(fetch(a))
                else:
                    b = 0
                if n % 2:
                    c = asyncio.run(fetch(b + 1))
                print(label, a, b)
                return label, a, b, c
            """
        ),
        # Even n leaves c unbound: the UnboundLocalError raised at the return (after the
        # print) must stay where it was.
        ["classify(1)", "classify(7)", "classify(8)", "classify(2)"],
        optional=frozenset({"combine"}),
    ),
    Scenario(
        "global-counters",
        PRELUDE
        + "\n\n"
        + program(
            """
            calls = 0
            total = 0
            history = []


            def bump(n):
                global calls, total
                calls += 1
                total += asyncio.run(fetch(n))
                history.append(total)
                total += asyncio.run(fetch(total))
                return calls, total
            """
        ),
        ["bump(1)", "bump(2)", "(calls, total, history)"],
    ),
    Scenario(
        "self-attributes",
        PRELUDE
        + "\n\n"
        + program(
            """
            class Job:
                def __init__(self, key):
                    self.key = key
                    self.status = "new"

                def run(self):
                    self.status = "downloading"
                    self.data = asyncio.run(fetch(self.key))
                    self.status = "verifying"
                    self.result = asyncio.run(fetch(self.data * 2))
                    self.status = "done"
                    return self.result

                def run_twice(self, extra):
                    self.first, self.second = asyncio.run(pair(self.key, extra))
                    self.total = asyncio.run(fetch(self.first + self.second))
                    return vars(self)
            """
        ),
        ["(lambda job: (job.run(), vars(job)))(Job(3))", "Job(4).run_twice(5)"],
    ),
    Scenario(
        "two-calls-one-expression",
        PRELUDE
        + "\n\n"
        + program(
            """
            def both(a, b):
                return asyncio.run(fetch(a)) + asyncio.run(fetch(b))


            def weighted(a, b):
                total = asyncio.run(fetch(a)) * 10 - asyncio.run(fetch(b))
                print("total", total)
                return [total, helper(total)]


            def nested(a):
                return asyncio.run(fetch(asyncio.run(fetch(a))))
            """
        ),
        ["both(1, 2)", "weighted(3, 4)", "nested(5)"],
        notes="nested(): the inner call runs first; its loop closes before the outer",
    ),
    Scenario(
        "return-runner-call",
        PRELUDE
        + "\n\n"
        + program(
            """
            def last(n):
                first = asyncio.run(fetch(n))
                print("first", first)
                return asyncio.run(fetch(first + 1))


            def early(n):
                a = asyncio.run(fetch(n))
                if a > 3:
                    return "early", a
                b = asyncio.run(fetch(a))
                return "late", a + b
            """
        ),
        ["last(1)", "early(1)", "early(5)"],
        # A return in the middle of the region: combine may be unsafe or absent.
        optional=frozenset({"combine"}),
    ),
    Scenario(
        "module-script",
        program(
            """
            import asyncio
            from loopprobe import checkpoint, record, store


            async def load_config(name):
                record("config", name)
                await checkpoint()
                return {"name": name, "limit": 3}


            async def load_users(config):
                record("users", config["limit"])
                await checkpoint()
                return [f"user{i}" for i in range(config["limit"])]


            config = asyncio.run(load_config("prod"))
            users = asyncio.run(load_users(config))
            print(len(users), "users")
            summary = {"config": config["name"], "count": len(users)}
            store("summary", summary)
            """
        ),
        ["summary", "users"],
    ),
    Scenario(
        "aliases",
        program(
            """
            import asyncio as aio
            from asyncio import run as go
            from loopprobe import checkpoint, record


            async def fetch(value):
                record("fetch", value)
                await checkpoint()
                return value + 1


            def aliased(n):
                a = aio.run(fetch(n))
                b = aio.run(fetch(a))
                return a, b


            def renamed(n):
                a = go(fetch(n))
                b = go(fetch(a * 2))
                return a + b


            def mixed(n):
                a = aio.run(fetch(n))
                b = go(fetch(a))
                return [a, b]
            """
        ),
        ["aliased(1)", "renamed(2)", "mixed(3)"],
    ),
    Scenario(
        "runner-keywords",
        PRELUDE
        + "\n\n"
        + program(
            """
            def debugged(n):
                a = asyncio.run(fetch(n), debug=False)
                b = asyncio.run(fetch(a), debug=False)
                return a, b
            """
        ),
        ["debugged(1)"],
    ),
    Scenario(
        "loop-statement",
        PRELUDE
        + "\n\n"
        + program(
            """
            def each(items):
                out = []
                for item in items:
                    out.append(asyncio.run(fetch(item)))
                    helper(item)
                return out


            def comprehension(items):
                return [asyncio.run(fetch(i)) for i in items]
            """
        ),
        ["each([1, 2, 3])", "each([])", "comprehension([4, 5])"],
        # A loop may run zero times: then the original starts no event loop, and inside
        # a running loop only the original works, so no style's loop fix is safe.
        optional=frozenset({"auto", "combine", "runner"}),
    ),
    Scenario(
        "sync-code-between-calls",
        PRELUDE
        + program(
            """
            import logging
            import time

            logger = logging.getLogger("proof")


            def lookup(table, key):
                record("lookup", table, key)
                return {"a": 1, "b": 2}.get(key, 0)


            def pipeline(key):
                started = asyncio.run(fetch(lookup("start", key)))
                time.sleep(0.001)
                logger.info("started %s", started)
                label = f"{key}-{started}"
                with open("trace.log", "a") as handle:
                    handle.write(label + "\\n")
                finished = asyncio.run(fetch(started + lookup("finish", key)))
                return label, finished
            """
        ),
        ["pipeline('a')", "pipeline('b')", "pipeline('c')", "open('trace.log').read()"],
        notes="blocking and I/O calls between the loops: combine may call this unsafe",
    ),
    Scenario(
        "loops-sharing-a-name",
        PRELUDE
        + "\n\n"
        + program(
            """
            def task(a, b):
                if a > 0:
                    for i in range(2):
                        print("value", asyncio.run(fetch(i)))
                else:
                    for i in range(3):
                        asyncio.run(fetch(b + i))
                        x = 0
                x = i
                return (x, a)
            """
        ),
        # Two ARO102 regions each bind i, which later code reads: fixed together, each
        # coroutine declared 'nonlocal i' for a binding only the other region had
        # (found by the property test; the result did not compile).
        ["task(1, 0)", "task(-1, 5)"],
        # A loop may run zero times: then the original starts no event loop, and inside
        # a running loop only the original works, so no style's loop fix is safe.
        optional=frozenset({"auto", "combine", "runner"}),
    ),
    Scenario(
        "anyio",
        program(
            """
            import anyio
            from loopprobe import checkpoint, record


            async def fetch(value, scale=1):
                record("fetch", value, scale)
                await checkpoint()
                return value * scale + 1


            def task(n):
                a = anyio.run(fetch, n)
                b = anyio.run(fetch, a, 3)
                print("anyio", a, b)
                return a, b


            def on_trio(n):
                a = anyio.run(fetch, n, backend="trio")
                b = anyio.run(fetch, a, backend="trio")
                return a + b
            """
        ),
        ["task(1)", "task(4)", "on_trio(2)"],
        unchanged=frozenset({"runner"}),
        needs=("anyio", "trio"),
    ),
    Scenario(
        "trio",
        program(
            """
            import trio
            from loopprobe import checkpoint, record


            async def fetch(value):
                record("fetch", value)
                await checkpoint()
                return value + 1


            def task(n):
                a = trio.run(fetch, n)
                if a > 2:
                    a = trio.run(fetch, a)
                return a
            """
        ),
        ["task(1)", "task(3)"],
        unchanged=frozenset({"runner"}),
        needs=("trio",),
    ),
]


#: The seed scenario with what made it fail in production: the repositories share a
#: pool that, like asyncpg's, belongs to the first loop that uses it.
SEED_WITH_POOL = program(
    """
    import asyncio

    from loopprobe import LoopBoundPool, checkpoint, record


    async def download(key):
        record("download", key)
        await checkpoint()
        return f"bytes-of-{key}".encode()


    async def create_analysis(pool, key, photo_bytes):
        return await pool.fetch(f"INSERT {key} {len(photo_bytes)}")


    async def get_user(pool, user_id):
        return await pool.fetch(f"SELECT {user_id}")


    def analyze_photo_task(photo_s3_key, user_id):
        pool = LoopBoundPool()
        photo_bytes = asyncio.run(download(photo_s3_key))
        analysis_id = asyncio.run(create_analysis(pool, photo_s3_key, photo_bytes))
        user = asyncio.run(get_user(pool, user_id))
        return analysis_id, user
    """
)
