#!/usr/bin/python3
"""Eclipse Paho Python (Debian python3-paho-mqtt, the 1.6 API) against Tern, MQTT 3.1.1 and 5.

Each client runs paho's own network thread (loop_start); callbacks feed queues that the cases
read with a bound. An abnormal disconnect closes the client's socket without DISCONNECT.
"""
import logging
import queue
import sys
import time

import paho.mqtt
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from harness import Registry, WAIT_S, check, eq, log, main, wait_until

cases = Registry()
SESSION_EXPIRY_S = 300


def code(rc):
    """paho 1.6 gives MQTT 5 reason codes as ReasonCodes objects and 3.1.1 codes as ints."""
    return rc.value if hasattr(rc, "value") else int(rc)


class Client:
    def __init__(self, ctx, role, persistent=False, client_id=None, will=None, session_expiry=SESSION_EXPIRY_S):
        self.ctx = ctx
        self.persistent = persistent
        self.session_expiry = session_expiry
        self.client_id = client_id if client_id is not None else ctx.client_id(role)
        if ctx.v5:
            self.c = mqtt.Client(client_id=self.client_id, protocol=mqtt.MQTTv5)
        else:
            protocol = mqtt.MQTTv31 if ctx.version == "v31" else mqtt.MQTTv311
            self.c = mqtt.Client(client_id=self.client_id, clean_session=not persistent, protocol=protocol)
        self.c.enable_logger(None)
        self.connack = None  # (session present, return/reason code)
        self.connack_props = None
        self.disconnected = False
        self.subacks = {}
        self.unsubacks = set()
        self.messages = queue.Queue()
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_unsubscribe = lambda client, userdata, mid, *rest: self.unsubacks.add(mid)
        self.c.on_message = lambda c, u, msg: self.messages.put(msg)
        self.c.on_disconnect = self._on_disconnect
        if will:
            topic, payload, qos, retain = will[:4]
            will_props = None
            if len(will) > 4:  # MQTT 5 will properties by paho's name
                will_props = Properties(PacketTypes.WILLMESSAGE)
                for k, v in will[4].items():
                    setattr(will_props, k, v)
            self.c.will_set(topic, payload, qos, retain, will_props)
        ctx.defer(self.close)

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack_props = properties
        self.connack = (flags.get("session present", 0), code(rc))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self.subacks[mid] = [code(g) for g in granted]

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnected = True

    def connect(self):
        kwargs = {}
        if self.ctx.v5:
            kwargs["clean_start"] = not self.persistent
            if self.persistent:
                p = Properties(PacketTypes.CONNECT)
                p.SessionExpiryInterval = self.session_expiry
                kwargs["properties"] = p
        self.c.connect(self.ctx.host, self.ctx.port, keepalive=30, **kwargs)
        self.c.loop_start()
        wait_until(lambda: self.connack is not None, "CONNACK for " + self.client_id)
        eq(self.connack[1], 0, "CONNACK code")
        return self.connack[0]

    def subscribe(self, *filters, qos=0, no_local=False, retain_as_published=False, subscription_id=None):
        if self.ctx.v5:
            opts = SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=retain_as_published)
            props = None
            if subscription_id is not None:
                props = Properties(PacketTypes.SUBSCRIBE)
                props.SubscriptionIdentifier = subscription_id
            rc, mid = self.c.subscribe([(f, opts) for f in filters], properties=props)
        else:
            rc, mid = self.c.subscribe([(f, qos) for f in filters])
        eq(rc, mqtt.MQTT_ERR_SUCCESS, "subscribe()")
        return wait_until(lambda: self.subacks.get(mid), "SUBACK")

    def unsubscribe(self, *filters):
        rc, mid = self.c.unsubscribe(list(filters))
        eq(rc, mqtt.MQTT_ERR_SUCCESS, "unsubscribe()")
        wait_until(lambda: mid in self.unsubacks, "UNSUBACK")

    def publish(self, topic, payload, qos=0, retain=False, **props):
        """props: MQTT 5 PUBLISH properties by paho's name (UserProperty=[(k, v)], MessageExpiryInterval=...)."""
        properties = None
        if props:
            properties = Properties(PacketTypes.PUBLISH)
            for k, v in props.items():
                setattr(properties, k, v)
        info = self.c.publish(topic, payload, qos, retain, properties)
        eq(info.rc, mqtt.MQTT_ERR_SUCCESS, "publish()")
        info.wait_for_publish(WAIT_S)
        check(info.is_published(), "publish to %s not acknowledged within %ss" % (topic, WAIT_S))

    def next(self, timeout=WAIT_S):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("%s: no message within %ss" % (self.client_id, timeout)) from None

    def expect(self, n):
        return [self.next() for _ in range(n)]

    def drain(self):
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def disconnect(self, reason=None):
        """reason: an MQTT 5 DISCONNECT reason name, e.g. "Disconnect with will message" (0x04)."""
        self.c.disconnect(mqtt.ReasonCodes(PacketTypes.DISCONNECT, reason) if reason else None)
        wait_until(lambda: self.disconnected, "DISCONNECT sent")
        self.c.loop_stop()

    def abort(self):
        """Drops the TCP connection without DISCONNECT, as a crashed client or a lost network would.
        The network thread is stopped first (it would reconnect); that takes up to 1 s in paho 1.6."""
        self.c.loop_stop()
        sock = self.c.socket()
        check(sock is not None, "connection was already gone before the abort")
        sock.close()
        self.disconnected = True

    def close(self):
        # DISCONNECT first: it wakes paho's network thread, which otherwise sits up to 1 s in select()
        if self.connack is not None and not self.disconnected and self.c.is_connected():
            self.c.disconnect()
            try:
                wait_until(lambda: self.disconnected, "DISCONNECT sent", timeout=2)
            except AssertionError:
                pass
        self.c.loop_stop()
        sock = self.c.socket()
        if sock:
            sock.close()


def text(msg):
    return msg.payload.decode("utf-8")


def triple(msg):
    return (msg.topic, text(msg), msg.qos)


def prop(msg, name):
    return getattr(msg.properties, name, None) if msg.properties is not None else None


def connected(ctx, role, *filters, qos=0, **kw):
    c = Client(ctx, role, **kw)
    c.connect()
    if filters:
        c.subscribe(*filters, qos=qos)
    return c


# ---------------------------------------------------------------------------------------------
# Cases for every version


@cases.case("connect-clean")
def connect_clean(ctx):
    cid = ctx.client_id("c")
    old, new = ctx.topic("old"), ctx.topic("new")
    first = Client(ctx, "c", persistent=True, client_id=cid)
    first.connect()
    first.subscribe(old, qos=1)
    first.disconnect()
    c = Client(ctx, "c", client_id=cid)
    eq(c.connect(), 0, "session present after a clean connect")
    c.subscribe(new, qos=1)
    pub = connected(ctx, "pub")
    pub.publish(old, b"to-old", 1)
    pub.publish(new, b"to-new", 1)
    eq(triple(c.next()), (new, "to-new", 1), "first message after the clean connect (the old subscription must be gone)")


@cases.case("connect-persistent")
def connect_persistent(ctx):
    cid = ctx.client_id("p")
    t = ctx.topic()
    first = Client(ctx, "p", persistent=True, client_id=cid)
    eq(first.connect(), 0, "session present on the first persistent connect")
    first.subscribe(t, qos=1)
    first.disconnect()
    again = Client(ctx, "p", persistent=True, client_id=cid)
    eq(again.connect(), ctx.resumed, "session present on reconnect")
    connected(ctx, "pub").publish(t, b"via-session", 1)
    eq(triple(again.next()), (t, "via-session", 1), "message through the subscription kept in the session")


def qos_case(q):
    def run(ctx):
        t = ctx.topic()
        s = Client(ctx, "sub")
        s.connect()
        eq(s.subscribe(t, qos=q), [q], "granted QoS")
        connected(ctx, "pub").publish(t, ("payload at qos %d" % q).encode(), q)
        m = s.next()
        eq((m.topic, text(m), m.qos, m.retain), (t, "payload at qos %d" % q, q, 0), "received")
    return run


for _q in (0, 1, 2):
    cases.case("qos%d" % _q)(qos_case(_q))


@cases.case("qos-downgrade")
def qos_downgrade(ctx):
    t = ctx.topic()
    s = connected(ctx, "sub", t, qos=1)
    p = connected(ctx, "pub")
    p.publish(t, b"sent-at-2", 2)
    p.publish(t, b"sent-at-0", 0)
    eq([(text(m), m.qos) for m in s.expect(2)], [("sent-at-2", 1), ("sent-at-0", 0)],
       "delivered at min(published QoS, granted QoS)")


@cases.case("retained")
def retained(ctx):
    root = ctx.topic()
    p = connected(ctx, "pub")
    p.publish(root + "/a", b"retained-a", 1, retain=True)
    p.publish(root + "/b", b"retained-b", 1, retain=True)
    p.publish(root + "/b", b"", 1, retain=True)
    s = connected(ctx, "sub", root + "/#", qos=1)
    m = s.next()
    eq((m.topic, text(m), m.qos, m.retain), (root + "/a", "retained-a", 1, 1), "retained message on subscribe")
    p.publish(root + "/c", b"live", 1, retain=True)
    m = s.next()
    eq((m.topic, text(m), m.retain), (root + "/c", "live", 0), "next message (b was cleared; live RETAIN 0)")


@cases.case("will")
def will(ctx):
    wt = ctx.topic("will")
    watcher = connected(ctx, "watch", wt, qos=1)
    polite = connected(ctx, "polite", will=(wt, b"polite-client-left", 1, False))
    polite.disconnect()
    will_props = ({"UserProperty": [("cause", "crash")], "ContentType": "text/plain"},) if ctx.v5 else ()
    rude = connected(ctx, "rude", will=(wt, b"rude-client-died", 1, True) + will_props)
    rude.abort()
    m = watcher.next()
    eq((m.topic, text(m), m.qos, m.retain), (wt, "rude-client-died", 1, 0), "will (and no will of the polite client)")
    if ctx.v5:
        eq((prop(m, "UserProperty"), prop(m, "ContentType")), ([("cause", "crash")], "text/plain"), "will properties")
    late = connected(ctx, "late", wt, qos=1)
    m = late.next()
    eq((text(m), m.retain), ("rude-client-died", 1), "will kept as retained message")
    if ctx.v5:
        # DISCONNECT with reason 0x04 asks the server to publish the will all the same
        leaving = connected(ctx, "leaving", will=(wt, b"left-with-will", 0, False))
        leaving.disconnect("Disconnect with will message")
        eq(text(watcher.next()), "left-with-will", "will after DISCONNECT 0x04")


@cases.case("wildcards")
def wildcards(ctx):
    root = ctx.topic()
    s = Client(ctx, "sub")
    s.connect()
    eq(s.subscribe(root + "/+/temp", root + "/room1/#", qos=1), [1, 1], "granted")
    p = connected(ctx, "pub")
    for t in ["a/temp", "a/hum", "room1", "room1/x/y", "b/c/temp", "room2/x", "b/temp", "end/temp"]:
        p.publish(root + "/" + t, t.encode(), 1)
    expected = ["a/temp", "room1", "room1/x/y", "b/temp", "end/temp"]
    got = s.expect(len(expected))
    eq(sorted(m.topic for m in got), sorted(root + "/" + t for t in expected), "topics matched by +/temp and room1/#")


@cases.case("queued-messages")
def queued_messages(ctx):
    cid = ctx.client_id("q")
    t = ctx.topic()
    s = Client(ctx, "q", persistent=True, client_id=cid)
    s.connect()
    s.subscribe(t, qos=2)
    s.disconnect()
    p = connected(ctx, "pub")
    p.publish(t, b"queued-1", 1)
    p.publish(t, b"queued-2", 2)
    again = Client(ctx, "q", persistent=True, client_id=cid)
    eq(again.connect(), ctx.resumed, "session present")
    eq([triple(m) for m in again.expect(2)], [(t, "queued-1", 1), (t, "queued-2", 2)],
       "messages queued while the session was offline")


@cases.case("ordering")
def ordering(ctx):
    t = ctx.topic()
    s = connected(ctx, "sub", t, qos=2)
    p = connected(ctx, "pub")
    for q, count in ((1, 100), (2, 50)):
        payloads = ["q%d-n%03d" % (q, i) for i in range(count)]
        infos = [p.c.publish(t, x.encode(), q) for x in payloads]  # all in flight at once
        for info in infos:
            info.wait_for_publish(WAIT_S)
        eq([text(m) for m in s.expect(count)], payloads, "[MQTT-4.6.0-5] QoS %d messages in publish order" % q)


@cases.case("unicode-topics")
def unicode_topics(ctx):
    root = ctx.topic()
    s = connected(ctx, "sub", root + "/+/🦜", root + "/a/+/b", qos=1)
    p = connected(ctx, "pub")
    for t in ["ünï cødé/🦜", "x/🦜/no", "a//b", "end/🦜"]:
        p.publish(root + "/" + t, t.encode(), 1)
    got = s.expect(3)
    eq(sorted(m.topic for m in got), sorted(root + "/" + t for t in ["ünï cødé/🦜", "a//b", "end/🦜"]),
       "UTF-8 topic levels and an empty level, matched by +")


@cases.case("large-payload")
def large_payload(ctx):
    t = ctx.topic()
    s = connected(ctx, "sub", t, qos=1)
    payload = bytes((i * 7 + i // 256) % 256 for i in range(300000))  # ~300 kB of binary
    connected(ctx, "pub").publish(t, payload, 1)
    m = s.next()
    eq((len(m.payload), m.payload == payload), (len(payload), True), "payload length and content")


@cases.case("empty-client-id", versions=("v311", "v5"))  # MQTT 3.1 requires a client id
def empty_client_id(ctx):
    t = ctx.topic()
    c = Client(ctx, "", client_id="")
    c.connect()
    if ctx.v5:
        assigned = getattr(c.connack_props, "AssignedClientIdentifier", None)
        check(assigned, "[MQTT-3.2.2-16] no Assigned Client Identifier in CONNACK: %r" % c.connack_props)
    c.subscribe(t, qos=1)
    connected(ctx, "pub").publish(t, b"hello", 1)
    eq(triple(c.next()), (t, "hello", 1), "message to a client with a server-assigned id")


@cases.case("unsubscribe")
def unsubscribe(ctx):
    root = ctx.topic()
    s = connected(ctx, "sub", root + "/a", root + "/b", qos=1)
    s.unsubscribe(root + "/a")
    p = connected(ctx, "pub")
    p.publish(root + "/a", b"after-unsubscribe", 1)
    p.publish(root + "/b", b"still-subscribed", 1)
    eq(text(s.next()), "still-subscribed", "first message after UNSUBSCRIBE of a")


# ---------------------------------------------------------------------------------------------
# MQTT 5 only


@cases.case("user-properties", v5_only=True)
def user_properties(ctx):
    t = ctx.topic()
    s = connected(ctx, "sub", t, qos=1)
    connected(ctx, "pub").publish(t, b"with-properties", 1,
                                  UserProperty=[("colour", "red"), ("colour", "blue"), ("unit", "°C")],
                                  ContentType="text/plain", PayloadFormatIndicator=1)
    m = s.next()
    eq(text(m), "with-properties", "payload")
    eq(prop(m, "UserProperty"), [("colour", "red"), ("colour", "blue"), ("unit", "°C")], "user properties in order")
    eq(prop(m, "ContentType"), "text/plain", "content type")
    eq(prop(m, "PayloadFormatIndicator"), 1, "payload format indicator")


@cases.case("message-expiry", v5_only=True)
def message_expiry(ctx):
    cid = ctx.client_id("e")
    t = ctx.topic()
    offline = Client(ctx, "e", persistent=True, client_id=cid)
    offline.connect()
    offline.subscribe(t, qos=1)
    offline.disconnect()
    live = connected(ctx, "live", t, qos=1)
    p = connected(ctx, "pub")
    p.publish(t, b"short-lived", 1, MessageExpiryInterval=1)
    p.publish(t, b"long-lived", 1, MessageExpiryInterval=300)
    short, long_ = live.expect(2)
    eq((text(short), text(long_)), ("short-lived", "long-lived"), "online subscriber")
    check((prop(short, "MessageExpiryInterval") or 99) <= 1, "expiry of short-lived: %r" % prop(short, "MessageExpiryInterval"))
    check(0 < (prop(long_, "MessageExpiryInterval") or 0) <= 300, "expiry of long-lived: %r" % prop(long_, "MessageExpiryInterval"))
    retained = ctx.topic("retained")
    p.publish(retained + "/short", b"short-lived-retained", 1, retain=True, MessageExpiryInterval=1)
    p.publish(retained + "/long", b"long-lived-retained", 1, retain=True, MessageExpiryInterval=300)
    time.sleep(2.2)  # wall-clock time must pass for the 1 s expiry; nothing to poll
    again = Client(ctx, "e", persistent=True, client_id=cid)
    eq(again.connect(), ctx.resumed, "session present")
    m = again.next()
    eq(text(m), "long-lived", "first queued message (short-lived expired while queued)")
    left = prop(m, "MessageExpiryInterval")
    check(left is not None and 0 < left < 300, "[MQTT-3.3.2-6] expiry after waiting 2 s, expected 1..299: %r" % left)
    r = connected(ctx, "retained", retained + "/#", qos=1)
    m = r.next()
    eq((text(m), m.retain), ("long-lived-retained", 1), "retained messages on subscribe (the expired one is gone)")
    left = prop(m, "MessageExpiryInterval")
    check(left is not None and 0 < left < 300, "retained message's expiry after 2 s: %r" % left)
    p.publish(retained + "/marker", b"marker", 1)
    eq(text(r.next()), "marker", "next message after the retained one")


@cases.case("session-expiry", v5_only=True)
def session_expiry(ctx):
    cid = ctx.client_id("x")
    t, marker = ctx.topic("t"), ctx.topic("marker")
    first = Client(ctx, "x", persistent=True, client_id=cid, session_expiry=1)
    first.connect()
    first.subscribe(t, qos=1)
    first.disconnect()
    p = connected(ctx, "pub")
    p.publish(t, b"queued-in-a-session-that-expires", 1)
    time.sleep(2.2)  # wall-clock time must pass for the 1 s session expiry; nothing to poll
    again = Client(ctx, "x", persistent=True, client_id=cid)
    eq(again.connect(), 0, "session present after the session expired")
    again.subscribe(marker, qos=1)
    p.publish(t, b"to-the-old-subscription", 1)
    p.publish(marker, b"marker", 1)
    eq(triple(again.next()), (marker, "marker", 1), "first message (the expired session's queue and subscription are gone)")


@cases.case("retained-properties", v5_only=True)
def retained_properties(ctx):
    t = ctx.topic()
    connected(ctx, "pub").publish(t, b"retained-with-properties", 1, retain=True,
                                  UserProperty=[("k", "v1"), ("k", "v2")], ContentType="application/x-test",
                                  ResponseTopic=t + "/reply", CorrelationData=b"c-1")
    m = connected(ctx, "sub", t, qos=1).next()
    eq((text(m), m.retain), ("retained-with-properties", 1), "retained message")
    eq((prop(m, "UserProperty"), prop(m, "ContentType"), prop(m, "ResponseTopic"), prop(m, "CorrelationData")),
       ([("k", "v1"), ("k", "v2")], "application/x-test", t + "/reply", b"c-1"), "properties kept with the retained message")


@cases.case("request-response", v5_only=True)
def request_response(ctx):
    req_topic, reply_topic = ctx.topic("request"), ctx.topic("reply")
    corr = b"\x00\x01corr\xff"  # binary correlation data must come back byte for byte
    responder = connected(ctx, "responder", req_topic, qos=1)
    requester = connected(ctx, "requester", reply_topic, qos=1)
    requester.publish(req_topic, b"ping", 1, ResponseTopic=reply_topic, CorrelationData=corr)
    req = responder.next()
    eq((text(req), prop(req, "ResponseTopic"), prop(req, "CorrelationData")), ("ping", reply_topic, corr),
       "request as the responder got it")
    responder.publish(prop(req, "ResponseTopic"), b"pong", 1, CorrelationData=prop(req, "CorrelationData"))
    reply = requester.next()
    eq((reply.topic, text(reply), prop(reply, "CorrelationData")), (reply_topic, "pong", corr), "reply")


@cases.case("shared-subscriptions", v5_only=True)
def shared_subscriptions(ctx):
    t = ctx.topic()
    shared = "$share/g%s/%s" % (ctx.run_id, t)
    a, b = connected(ctx, "a", shared, qos=1), connected(ctx, "b", shared, qos=1)
    plain = connected(ctx, "plain", t, qos=1)
    p = connected(ctx, "pub")
    payloads = ["m%d" % i for i in range(10)]
    for x in payloads:
        p.publish(t, x.encode(), 1)
    eq([text(m) for m in plain.expect(10)], payloads, "non-shared subscriber gets every message")
    got_a, got_b = [], []

    def all_arrived():
        got_a.extend(a.drain())
        got_b.extend(b.drain())
        return len(got_a) + len(got_b) >= len(payloads)

    wait_until(all_arrived, "10 messages across the group")
    eq(sorted(text(m) for m in got_a + got_b), sorted(payloads), "each message once across the group")
    check(got_a and got_b, "both members should get messages (round robin): a=%d b=%d" % (len(got_a), len(got_b)))


@cases.case("subscription-options", v5_only=True)
def subscription_options(ctx):
    t = ctx.topic()
    c = Client(ctx, "self")
    c.connect()
    c.subscribe(t, qos=1, no_local=True, retain_as_published=True)
    c.publish(t, b"own-message", 1)
    connected(ctx, "other").publish(t, b"other-retained", 1, retain=True)
    m = c.next()
    # No Local: its own message is not sent back; Retain As Published: RETAIN stays 1 on a live message
    eq((text(m), m.retain), ("other-retained", 1), "first message (own message must not come back)")


@cases.case("subscription-identifier", v5_only=True)
def subscription_identifier(ctx):
    root = ctx.topic()
    s = Client(ctx, "sub")
    s.connect()
    s.subscribe(root + "/x", qos=1, subscription_id=7)
    s.subscribe(root + "/#", qos=1, subscription_id=8)
    s.subscribe(root + "/only", qos=1)
    p = connected(ctx, "pub")
    p.publish(root + "/x", b"tagged", 1)
    p.publish(root + "/only", b"marker", 1)
    got = []
    while not got or text(got[-1]) != "marker":
        got.append(s.next())
    tagged = [sorted(prop(m, "SubscriptionIdentifier") or []) for m in got if text(m) == "tagged"]
    # [MQTT-3.3.4-3/-4/-5] one copy carrying both identifiers, or one copy per subscription with its own
    check(tagged in ([[7, 8]], [[7], [8]], [[8], [7]]), "identifiers on the copies of the message: %r" % tagged)
    eq(sorted(prop(got[-1], "SubscriptionIdentifier") or []), [8], "identifiers on the marker (matched by # only)")


def setup():
    # paho's packet log ("Sending CONNECT", "Received PUBLISH ...") goes to the suite's log file
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(message)s")
    log("paho-mqtt " + paho.mqtt.__version__)


if __name__ == "__main__":
    sys.exit(main("paho", cases, ["v31", "v311", "v5"], setup))
