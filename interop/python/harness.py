"""Case runner shared by the Python-driven interop clients (mosquitto_* and paho-mqtt).

A case is a function that takes a Ctx and raises (AssertionError or anything else) on failure.
Each result is printed on stdout as one tab-separated line that interop/run collects:

    RESULT <TAB> PASS|FAIL <TAB> <client>/<version>/<case> <TAB> <millis> <TAB> <detail>

Everything else (diagnostics) goes to stderr, which interop/run keeps in a log file.
Standard library only: this runs under Debian's /usr/bin/python3.
"""
import hashlib
import argparse
import os
import signal
import sys
import time
import traceback

CASE_TIMEOUT_S = 40  # backstop per case; every wait inside a case has its own, shorter bound
WAIT_S = 10          # how long a case waits for a message it expects


class CaseTimeout(Exception):
    pass


class Ctx:
    """What a case gets: where the broker is, the protocol version, and unique names."""

    def __init__(self, client, version, case, host, port):
        self.client = client
        self.version = version  # "v31" (MQTT 3.1, MQIsdp), "v311" or "v5"
        self.case = case
        self.host = host
        self.port = port
        self.run_id = "%x%x" % (os.getpid(), int(time.time() * 1000) % 0xFFFFFF)
        self._ids = 0
        self.cleanup = []  # run after the case, pass or fail: stop processes, close clients

    def defer(self, fn):
        self.cleanup.append(fn)
        return fn

    @property
    def v5(self):
        return self.version == "v5"

    @property
    def resumed(self):
        """The session present flag of a CONNACK that resumes a session: MQTT 3.1 has no such flag (always 0)."""
        return 0 if self.version == "v31" else 1

    def topic(self, suffix=""):
        """A topic root no other case or client family touches."""
        base = "interop/%s/%s/%s/%s" % (self.client, self.version, self.case, self.run_id)
        return base + ("/" + suffix if suffix else "")

    def client_id(self, role):
        self._ids += 1
        cid = "%s-%s-%s-%s-%s" % (self.client, self.version, self.case, role, self.run_id)
        if self.version == "v31":
            # MQTT 3.1 allows at most 23 characters (longer: CONNACK 2, identifier rejected)
            cid = "i" + hashlib.sha1(cid.encode()).hexdigest()[:22]
        return cid


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def wait_until(predicate, what, timeout=WAIT_S, interval=0.02):
    """Polls predicate until it returns a truthy value (returned) or the bound passes (raises)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


ALL_VERSIONS = ("v31", "v311", "v5")


class Registry:
    def __init__(self):
        self.cases = []  # (name, fn, versions)

    def case(self, name, v5_only=False, versions=ALL_VERSIONS):
        def register(fn):
            self.cases.append((name, fn, ("v5",) if v5_only else versions))
            return fn
        return register


def _on_alarm(signum, frame):
    raise CaseTimeout("case did not finish within %ss" % CASE_TIMEOUT_S)


def main(client, registry, versions, setup=None):
    parser = argparse.ArgumentParser(description="interop cases for " + client)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--only", default=None, help="run only the cases whose id contains this")
    args = parser.parse_args()
    if setup:
        setup()
    signal.signal(signal.SIGALRM, _on_alarm)
    failed = 0
    for version in versions:
        for name, fn, case_versions in registry.cases:
            if version not in case_versions:
                continue
            case_id = "%s/%s/%s" % (client, version, name)
            if args.only and args.only not in case_id:
                continue
            ctx = Ctx(client, version, name, args.host, args.port)
            log("---- %s" % case_id)
            started = time.monotonic()
            signal.alarm(CASE_TIMEOUT_S)
            try:
                fn(ctx)
                status, detail = "PASS", ""
            except BaseException as e:  # noqa: BLE001 - a case failure of any kind is reported, not raised
                if isinstance(e, KeyboardInterrupt):
                    raise
                status, detail = "FAIL", "%s: %s" % (type(e).__name__, e)
                log(traceback.format_exc())
                failed += 1
            finally:
                signal.alarm(0)
                for c in reversed(ctx.cleanup):
                    try:
                        c()
                    except Exception as e:  # noqa: BLE001 - cleanup must not hide the result
                        log("cleanup error: %r" % e)
            millis = int((time.monotonic() - started) * 1000)
            print("RESULT\t%s\t%s\t%d\t%s" % (status, case_id, millis, detail.replace("\n", " ").replace("\t", " ")),
                  flush=True)
    return 1 if failed else 0
