#!/usr/bin/python3
"""Debian's mosquitto-clients (mosquitto_sub, mosquitto_pub, mosquitto_rr) against Tern, MQTT 3.1.1 and 5.

The clients run as the processes a user would start; mosquitto_sub prints every message it
receives in a tab-separated -F format (topic, QoS, retain, hex payload and the MQTT 5 properties)
and, with -d, the CONNACK and SUBACK it got, which is what the cases assert on.
"""
import queue
import re
import subprocess
import sys
import threading
import time

from harness import Registry, WAIT_S, check, eq, log, main, wait_until

FORMAT = "MSG\t" + "\t".join(["%t", "%q", "%r", "%x", "%E", "%R", "%D", "%C", "%P", "%S"])
CONNACK = re.compile(r"Client (\S+) received CONNACK \((\d+)\)")
SUBACK = re.compile(r"^Subscribed \(mid: \d+\): (.*)$")

cases = Registry()


class Message:
    def __init__(self, line):
        f = line.rstrip("\n").split("\t")
        _, self.topic, qos, retain, payload_hex, expiry, self.response_topic, self.correlation, \
            self.content_type, props, sub_ids = f
        self.qos = int(qos)
        self.retain = int(retain)
        self.payload = bytes.fromhex(payload_hex).decode("utf-8")
        self.expiry = int(expiry) if expiry else None
        self.user_props = [tuple(p.split(":", 1)) for p in props.split(" ")] if props else []
        self.sub_ids = sub_ids

    def __repr__(self):
        return "Message(%s %r q%d r%d)" % (self.topic, self.payload, self.qos, self.retain)


VERSION_OPTION = {"v31": "mqttv31", "v311": "mqttv311", "v5": "mqttv5"}


def version_args(ctx):
    return ["-h", ctx.host, "-p", str(ctx.port), "-V", VERSION_OPTION[ctx.version]]


def session_args(ctx, client_id, persistent, session_expiry=300):
    args = ["-i", client_id] if client_id else []
    if persistent:
        args.append("-c")
        if ctx.v5:
            args += ["-x", str(session_expiry)]  # MQTT 5: a session lives only as long as its expiry interval
    return args


def will_args(will):
    if not will:
        return []
    topic, payload, qos, retain = will
    return ["--will-topic", topic, "--will-payload", payload, "--will-qos", str(qos)] + (["--will-retain"] if retain else [])


class Sub:
    """A running mosquitto_sub; its output is parsed on a thread into CONNACK, SUBACK and messages."""

    def __init__(self, ctx, topics, qos=0, client_id=None, persistent=False, will=None, props=(), extra=()):
        """props: MQTT 5 properties as -D arguments, e.g. ("will", "user-property", "k", "v")."""
        args = ["stdbuf", "-oL", "mosquitto_sub"] + version_args(ctx) + ["-d", "-F", FORMAT, "-q", str(qos)]
        for t in topics:
            args += ["-t", t]
        args += session_args(ctx, client_id, persistent) + will_args(will)
        for p in props:
            args += ["-D"] + list(p)
        args += list(extra)
        log("$ " + " ".join(args))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     encoding="utf-8", errors="replace")
        self.connack = None
        self.connack_client_id = None  # as mosquitto_sub names itself: the Assigned Client Identifier if any
        self.granted = []
        self.unsubacks = 0
        self.output = []
        self.messages = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ctx.defer(self.stop)

    def _read(self):
        for line in self.proc.stdout:
            self.output.append(line.rstrip("\n"))
            if line.startswith("MSG\t"):
                self.messages.put(Message(line))
                continue
            m = CONNACK.search(line)
            if m:
                self.connack_client_id, self.connack = m.group(1), int(m.group(2))
            if "received UNSUBACK" in line:
                self.unsubacks += 1
            m = SUBACK.match(line.strip())
            if m:
                self.granted += [int(x) for x in m.group(1).split(",")]

    def tail(self):
        return " | ".join(self.output[-8:])

    def wait_subscribed(self, filters):
        wait_until(lambda: len(self.granted) >= filters or self.proc.poll() is not None,
                   "SUBACK for %d filter(s)" % filters)
        check(len(self.granted) >= filters, "mosquitto_sub ended before SUBACK: " + self.tail())
        eq(self.connack, 0, "CONNACK return code")
        return self.granted

    def next(self, timeout=WAIT_S):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message within %ss; mosquitto_sub said: %s" % (timeout, self.tail())) from None

    def expect(self, n):
        return [self.next() for _ in range(n)]

    def drain(self):
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def kill(self):
        """Ends the process with SIGKILL: the kernel closes the socket, no DISCONNECT is sent."""
        self.proc.kill()
        self.proc.wait(5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def run_tool(args, stdin=None):
    log("$ " + " ".join(args))
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=WAIT_S)
    if r.returncode != 0:
        raise AssertionError("%s exited %d: %s %s" % (args[0], r.returncode, r.stdout.strip(), r.stderr.strip()))
    return r.stdout


def subscribe_and_leave(ctx, topics, qos, client_id=None, persistent=False, will=None, session_expiry=300):
    """mosquitto_sub -E: connect, subscribe, and disconnect normally (DISCONNECT) once SUBACK arrives."""
    args = ["mosquitto_sub"] + version_args(ctx) + ["-d", "-E", "-q", str(qos)]
    for t in topics:
        args += ["-t", t]
    out = run_tool(args + session_args(ctx, client_id, persistent, session_expiry) + will_args(will))
    check("Subscribed (mid" in out, "no SUBACK: " + out)


def pub(ctx, topic, payload, qos=0, retain=False, props=(), client_id=None):
    """mosquitto_pub; payload None sends a zero-length message (-n). props: (name, value...) for -D PUBLISH."""
    args = ["mosquitto_pub"] + version_args(ctx) + ["-t", topic, "-q", str(qos)]
    args += ["-n"] if payload is None else ["-m", payload]
    if retain:
        args.append("-r")
    if client_id:
        args += ["-i", client_id]
    for p in props:
        args += ["-D", "PUBLISH"] + list(p)
    run_tool(args)


def pub_lines(ctx, topic, payloads, qos):
    """mosquitto_pub -l: one connection, one message per line of stdin."""
    run_tool(["mosquitto_pub"] + version_args(ctx) + ["-t", topic, "-q", str(qos), "-l"],
             stdin="".join(p + "\n" for p in payloads))


def triple(m):
    return (m.topic, m.payload, m.qos)


# ---------------------------------------------------------------------------------------------
# Cases for every version


@cases.case("connect-clean")
def connect_clean(ctx):
    cid = ctx.client_id("c")
    old, new = ctx.topic("old"), ctx.topic("new")
    # A persistent session with a subscription to `old`...
    subscribe_and_leave(ctx, [old], 1, client_id=cid, persistent=True)
    # ...is discarded when the same client id connects clean.
    s = Sub(ctx, [new], qos=1, client_id=cid)
    s.wait_subscribed(1)
    pub(ctx, old, "to-old", 1)
    pub(ctx, new, "to-new", 1)
    eq(triple(s.next()), (new, "to-new", 1), "first message after the clean connect (the old subscription must be gone)")


@cases.case("connect-persistent")
def connect_persistent(ctx):
    cid = ctx.client_id("p")
    t = ctx.topic("kept")
    subscribe_and_leave(ctx, [t], 1, client_id=cid, persistent=True)
    # mosquitto_sub must subscribe to something: an unrelated topic, so that `t` arrives only
    # through the subscription kept in the session.
    s = Sub(ctx, [ctx.topic("unrelated")], qos=1, client_id=cid, persistent=True)
    s.wait_subscribed(1)
    pub(ctx, t, "via-session", 1)
    eq(triple(s.next()), (t, "via-session", 1), "message through the subscription kept in the session")


def qos_case(q):
    def run(ctx):
        t = ctx.topic()
        s = Sub(ctx, [t], qos=q)
        eq(s.wait_subscribed(1), [q], "granted QoS")
        pub(ctx, t, "payload at qos %d" % q, q)
        m = s.next()
        eq((m.topic, m.payload, m.qos, m.retain), (t, "payload at qos %d" % q, q, 0), "received")
    return run


for _q in (0, 1, 2):
    cases.case("qos%d" % _q)(qos_case(_q))


@cases.case("qos-downgrade")
def qos_downgrade(ctx):
    t = ctx.topic()
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    pub(ctx, t, "sent-at-2", 2)
    pub(ctx, t, "sent-at-0", 0)
    eq([(m.payload, m.qos) for m in s.expect(2)], [("sent-at-2", 1), ("sent-at-0", 0)],
       "delivered at min(published QoS, granted QoS)")


@cases.case("retained")
def retained(ctx):
    root = ctx.topic()
    pub(ctx, root + "/a", "retained-a", 1, retain=True)
    pub(ctx, root + "/b", "retained-b", 1, retain=True)
    pub(ctx, root + "/b", None, 1, retain=True)  # a zero-length retained message clears b
    s = Sub(ctx, [root + "/#"], qos=1)
    s.wait_subscribed(1)
    m = s.next()
    eq((m.topic, m.payload, m.qos, m.retain), (root + "/a", "retained-a", 1, 1), "retained message on subscribe")
    pub(ctx, root + "/c", "live", 1, retain=True)
    m = s.next()
    # [MQTT-3.3.1-9] a message to an existing subscription is sent with RETAIN 0; b stays cleared
    eq((m.topic, m.payload, m.retain), (root + "/c", "live", 0), "next message (b was cleared)")


@cases.case("will")
def will(ctx):
    wt = ctx.topic("will")
    watcher = Sub(ctx, [wt], qos=1)
    watcher.wait_subscribed(1)
    # Normal DISCONNECT: the will is discarded.
    subscribe_and_leave(ctx, [ctx.topic("x")], 0, will=(wt, "polite-client-left", 1, False))
    # Connection dropped without DISCONNECT (SIGKILL): the will is published, here retained.
    will_props = [("will", "user-property", "cause", "crash"), ("will", "content-type", "text/plain")] if ctx.v5 else []
    rude = Sub(ctx, [ctx.topic("x")], will=(wt, "rude-client-died", 1, True), props=will_props)
    rude.wait_subscribed(1)
    rude.kill()
    m = watcher.next()
    eq((m.topic, m.payload, m.qos, m.retain), (wt, "rude-client-died", 1, 0), "will (and no will of the polite client)")
    if ctx.v5:
        eq((m.user_props, m.content_type), ([("cause", "crash")], "text/plain"), "will properties")
    late = Sub(ctx, [wt], qos=1)
    late.wait_subscribed(1)
    m = late.next()
    eq((m.payload, m.retain), ("rude-client-died", 1), "will kept as retained message")


@cases.case("wildcards")
def wildcards(ctx):
    root = ctx.topic()
    s = Sub(ctx, [root + "/+/temp", root + "/room1/#"], qos=1)
    s.wait_subscribed(2)
    published = ["a/temp", "a/hum", "room1", "room1/x/y", "b/c/temp", "room2/x", "b/temp", "end/temp"]
    for p in published:
        pub(ctx, root + "/" + p, p, 1)
    expected = ["a/temp", "room1", "room1/x/y", "b/temp", "end/temp"]  # "#" also matches the parent
    got = s.expect(len(expected))
    eq(sorted(m.payload for m in got), sorted(expected), "messages matched by +/temp and room1/#")
    eq(sorted(m.topic for m in got), sorted(root + "/" + p for p in expected), "topics")


@cases.case("queued-messages")
def queued_messages(ctx):
    cid = ctx.client_id("q")
    t = ctx.topic()
    subscribe_and_leave(ctx, [t], 2, client_id=cid, persistent=True)
    pub(ctx, t, "queued-1", 1)
    pub(ctx, t, "queued-2", 2)
    s = Sub(ctx, [ctx.topic("unrelated")], qos=2, client_id=cid, persistent=True)
    s.wait_subscribed(1)
    eq([triple(m) for m in s.expect(2)], [(t, "queued-1", 1), (t, "queued-2", 2)],
       "messages queued while the session was offline")


@cases.case("ordering")
def ordering(ctx):
    t = ctx.topic()
    s = Sub(ctx, [t], qos=2)
    s.wait_subscribed(1)
    for q, count in ((1, 100), (2, 50)):
        payloads = ["q%d-n%03d" % (q, i) for i in range(count)]
        pub_lines(ctx, t, payloads, q)
        eq([m.payload for m in s.expect(count)], payloads, "[MQTT-4.6.0-5] QoS %d messages in publish order" % q)


@cases.case("unicode-topics")
def unicode_topics(ctx):
    root = ctx.topic()
    s = Sub(ctx, [root + "/+/🦜", root + "/a/+/b"], qos=1)
    s.wait_subscribed(2)
    for t in ["ünï cødé/🦜", "x/🦜/no", "a//b", "end/🦜"]:
        pub(ctx, root + "/" + t, t, 1)
    got = s.expect(3)
    eq(sorted(m.topic for m in got), sorted(root + "/" + t for t in ["ünï cødé/🦜", "a//b", "end/🦜"]),
       "UTF-8 topic levels and an empty level, matched by +")
    eq(sorted(m.payload for m in got), sorted(["ünï cødé/🦜", "a//b", "end/🦜"]), "payloads")


@cases.case("large-payload")
def large_payload(ctx):
    t = ctx.topic()
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    payload = "".join(chr(33 + (i * 7) % 94) for i in range(300000))  # ~300 kB, over many TCP segments
    run_tool(["mosquitto_pub"] + version_args(ctx) + ["-t", t, "-q", "1", "-s"], stdin=payload)
    m = s.next()
    eq((len(m.payload), m.payload == payload), (len(payload), True), "payload length and content")


@cases.case("empty-client-id", versions=("v311", "v5"))  # MQTT 3.1 requires a client id
def empty_client_id(ctx):
    # mosquitto_sub without -i connects with a zero-length client id
    t = ctx.topic()
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    if ctx.v5:
        # [MQTT-3.2.2-16] the server assigns one and returns it; mosquitto_sub then logs under it
        check(s.connack_client_id not in (None, "(null)", ""), "no Assigned Client Identifier: " + s.tail())
    pub(ctx, t, "hello", 1)
    eq(triple(s.next()), (t, "hello", 1), "message to a client with a server-assigned id")


@cases.case("unsubscribe")
def unsubscribe(ctx):
    cid = ctx.client_id("u")
    root = ctx.topic()
    subscribe_and_leave(ctx, [root + "/a", root + "/b"], 1, client_id=cid, persistent=True)
    # mosquitto_sub -U: back in the session, UNSUBSCRIBE from a (and subscribe to something unrelated)
    s = Sub(ctx, [ctx.topic("unrelated")], qos=1, client_id=cid, persistent=True, extra=["-U", root + "/a"])
    s.wait_subscribed(1)
    wait_until(lambda: s.unsubacks >= 1, "UNSUBACK")
    pub(ctx, root + "/a", "after-unsubscribe", 1)
    pub(ctx, root + "/b", "still-subscribed", 1)
    eq(s.next().payload, "still-subscribed", "first message after UNSUBSCRIBE of a")


# ---------------------------------------------------------------------------------------------
# MQTT 5 only


@cases.case("user-properties", v5_only=True)
def user_properties(ctx):
    t = ctx.topic()
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    pub(ctx, t, "with-properties", 1, props=[
        ("user-property", "colour", "red"), ("user-property", "colour", "blue"), ("user-property", "unit", "°C"),
        ("content-type", "text/plain"), ("payload-format-indicator", "1")])
    m = s.next()
    eq(m.payload, "with-properties", "payload")
    # [MQTT-3.3.2-17/18] forwarded unaltered, in order, duplicates kept
    eq(m.user_props, [("colour", "red"), ("colour", "blue"), ("unit", "°C")], "user properties")
    eq(m.content_type, "text/plain", "content type")


@cases.case("message-expiry", v5_only=True)
def message_expiry(ctx):
    cid = ctx.client_id("e")
    t = ctx.topic()
    subscribe_and_leave(ctx, [t], 1, client_id=cid, persistent=True)
    live = Sub(ctx, [t], qos=1)
    live.wait_subscribed(1)
    pub(ctx, t, "short-lived", 1, props=[("message-expiry-interval", "1")])
    pub(ctx, t, "long-lived", 1, props=[("message-expiry-interval", "300")])
    short, long_ = live.expect(2)
    eq((short.payload, long_.payload), ("short-lived", "long-lived"), "online subscriber")
    check(short.expiry is not None and short.expiry <= 1, "expiry of short-lived: %r" % short.expiry)
    check(long_.expiry is not None and 0 < long_.expiry <= 300, "expiry of long-lived: %r" % long_.expiry)
    retained = ctx.topic("retained")
    pub(ctx, retained + "/short", "short-lived-retained", 1, retain=True, props=[("message-expiry-interval", "1")])
    pub(ctx, retained + "/long", "long-lived-retained", 1, retain=True, props=[("message-expiry-interval", "300")])
    time.sleep(2.2)  # wall-clock time must pass for the 1 s expiry; nothing to poll
    s = Sub(ctx, [ctx.topic("unrelated")], qos=1, client_id=cid, persistent=True)
    s.wait_subscribed(1)
    m = s.next()
    eq(m.payload, "long-lived", "first queued message (short-lived expired while queued)")
    # [MQTT-3.3.2-6] the interval is reduced by the time the message waited
    check(m.expiry is not None and 0 < m.expiry < 300, "expiry after waiting 2 s, expected 1..299: %r" % m.expiry)
    r = Sub(ctx, [retained + "/#"], qos=1)
    r.wait_subscribed(1)
    m = r.next()
    eq((m.payload, m.retain), ("long-lived-retained", 1), "retained messages on subscribe (the expired one is gone)")
    check(m.expiry is not None and 0 < m.expiry < 300, "retained message's expiry after 2 s: %r" % m.expiry)
    pub(ctx, retained + "/marker", "marker", 1)
    eq(r.next().payload, "marker", "next message after the retained one")


@cases.case("session-expiry", v5_only=True)
def session_expiry(ctx):
    cid = ctx.client_id("x")
    t, marker = ctx.topic("t"), ctx.topic("marker")
    subscribe_and_leave(ctx, [t], 1, client_id=cid, persistent=True, session_expiry=1)
    pub(ctx, t, "queued-in-a-session-that-expires", 1)
    time.sleep(2.2)  # wall-clock time must pass for the 1 s session expiry; nothing to poll
    s = Sub(ctx, [marker], qos=1, client_id=cid, persistent=True)
    s.wait_subscribed(1)
    pub(ctx, t, "to-the-old-subscription", 1)
    pub(ctx, marker, "marker", 1)
    eq(triple(s.next()), (marker, "marker", 1), "first message (the expired session's queue and subscription are gone)")


@cases.case("retained-properties", v5_only=True)
def retained_properties(ctx):
    t = ctx.topic()
    pub(ctx, t, "retained-with-properties", 1, retain=True, props=[
        ("user-property", "k", "v1"), ("user-property", "k", "v2"), ("content-type", "application/x-test"),
        ("response-topic", t + "/reply"), ("correlation-data", "c-1")])
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    m = s.next()
    eq((m.payload, m.retain), ("retained-with-properties", 1), "retained message")
    eq((m.user_props, m.content_type, m.response_topic, m.correlation),
       ([("k", "v1"), ("k", "v2")], "application/x-test", t + "/reply", "c-1"), "properties kept with the retained message")


@cases.case("topic-aliases", v5_only=True)
def topic_aliases(ctx):
    # Toward Tern only: mosquitto_pub -D publish topic-alias sends topic + alias, then the alias
    # alone. (libmosquitto 2.0 cannot receive aliases, so the subscriber does not offer any.)
    t = ctx.topic("a/rather/long/topic/name/worth/an/alias")
    s = Sub(ctx, [t], qos=1)
    s.wait_subscribed(1)
    out = run_tool(["mosquitto_pub"] + version_args(ctx) + ["-t", t, "-q", "1", "-l", "-d", "-D", "publish", "topic-alias", "1"],
                   stdin="one\ntwo\nthree\n")
    eq(out.count("sending PUBLISH (d0, q1, r0, m2, '(null)'") + out.count("sending PUBLISH (d0, q1, r0, m3, '(null)'"), 2,
       "PUBLISHes sent with the alias alone (mosquitto_pub -d): " + out.replace("\n", " | "))
    eq([(m.topic, m.payload) for m in s.expect(3)], [(t, "one"), (t, "two"), (t, "three")],
       "messages published with a topic alias, delivered with their topic")


@cases.case("request-response", v5_only=True)
def request_response(ctx):
    req_topic, reply_topic = ctx.topic("request"), ctx.topic("reply")
    responder = Sub(ctx, [req_topic], qos=1)
    responder.wait_subscribed(1)
    args = ["mosquitto_rr"] + version_args(ctx) + ["-t", req_topic, "-e", reply_topic, "-m", "ping", "-q", "1",
                                                   "-D", "PUBLISH", "correlation-data", "corr-42",
                                                   "-F", FORMAT, "-W", str(WAIT_S)]
    log("$ " + " ".join(args))
    rr = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctx.defer(lambda: rr.poll() is None and rr.kill())
    req = responder.next()
    eq((req.payload, req.response_topic, req.correlation), ("ping", reply_topic, "corr-42"),
       "request as the responder got it (payload, response topic, correlation data)")
    pub(ctx, req.response_topic, "pong", 1, props=[("correlation-data", req.correlation)])
    out, err = rr.communicate(timeout=WAIT_S)
    eq(rr.returncode, 0, "mosquitto_rr exit code (stderr: %s)" % err.strip())
    lines = [line for line in out.splitlines() if line.startswith("MSG\t")]
    eq(len(lines), 1, "responses printed by mosquitto_rr: %r" % out)
    reply = Message(lines[0])
    eq((reply.topic, reply.payload, reply.correlation), (reply_topic, "pong", "corr-42"), "reply")


@cases.case("shared-subscriptions", v5_only=True)
def shared_subscriptions(ctx):
    t = ctx.topic()
    shared = "$share/g%s/%s" % (ctx.run_id, t)
    a, b = Sub(ctx, [shared], qos=1), Sub(ctx, [shared], qos=1)
    plain = Sub(ctx, [t], qos=1)
    for s in (a, b, plain):
        s.wait_subscribed(1)
    payloads = ["m%d" % i for i in range(10)]
    pub_lines(ctx, t, payloads, 1)
    eq([m.payload for m in plain.expect(10)], payloads, "non-shared subscriber gets every message")
    got_a, got_b = [], []

    def all_arrived():
        got_a.extend(a.drain())
        got_b.extend(b.drain())
        return len(got_a) + len(got_b) >= len(payloads)

    wait_until(all_arrived, "10 messages across the group")
    eq(sorted(m.payload for m in got_a + got_b), sorted(payloads), "each message once across the group")
    check(got_a and got_b, "both members should get messages (round robin): a=%d b=%d" % (len(got_a), len(got_b)))


@cases.case("subscription-identifier", v5_only=True)
def subscription_identifier(ctx):
    t = ctx.topic()
    s = Sub(ctx, [t], qos=1, props=[("subscribe", "subscription-identifier", "7")])
    s.wait_subscribed(1)
    pub(ctx, t, "tagged", 1)
    m = s.next()
    eq((m.payload, m.sub_ids), ("tagged", "7"), "[MQTT-3.3.4-3] subscription identifier on the message")


if __name__ == "__main__":
    sys.exit(main("mosquitto", cases, ["v31", "v311", "v5"]))
