// MQTT.js interop cases, shared by Node (node.mjs, over TCP and WebSocket) and headless Chromium
// (page.html, over WebSocket). Nothing here uses Node or browser APIs: the caller passes the
// `mqtt` module and the broker URL, so the same assertions run in both places.
//
// A case is { name, v5Only, run(ctx) }; run throws on failure. ctx.defer(fn) registers cleanup
// (closing clients) that runs after the case whatever its outcome.

export const WAIT_MS = 10000
const CASE_TIMEOUT_MS = 40000
const SESSION_EXPIRY_S = 300

const enc = new TextEncoder()
const dec = new TextDecoder()

export class CaseFailure extends Error {}

function fmt(v) {
  return JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? `bytes[${Array.from(x).join(',')}]` : x))
}

export function eq(actual, expected, what) {
  if (fmt(actual) !== fmt(expected)) {
    throw new CaseFailure(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`)
  }
}

export function check(cond, message) {
  if (!cond) throw new CaseFailure(message)
}

function bytes(b) {
  return b == null ? null : new Uint8Array(b.buffer ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b)
}

const text = (packet) => dec.decode(bytes(packet.payload))

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new CaseFailure(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(predicate, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new CaseFailure(`timed out after ${ms} ms waiting for ${what}`)
    await delay(10)
  }
}

/** Messages a client received, in order; next() waits (bounded) for the next one. */
class Inbox {
  constructor(name) {
    this.name = name
    this.items = []
    this.waiters = []
  }
  push(packet) {
    const w = this.waiters.shift()
    if (w) w(packet)
    else this.items.push(packet)
  }
  next(ms = WAIT_MS) {
    if (this.items.length) return Promise.resolve(this.items.shift())
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), ms, `a message at ${this.name}`)
  }
  async expect(n) {
    const out = []
    for (let i = 0; i < n; i++) out.push(await this.next())
    return out
  }
  drain() {
    return this.items.splice(0)
  }
}

export class Ctx {
  constructor({ mqtt, url, client, version, caseName, log }) {
    this.mqtt = mqtt
    this.url = url
    this.client = client
    this.version = version
    this.caseName = caseName
    this.log = log || (() => {})
    this.v5 = version === 'v5'
    this.runId = (Date.now() % 0xffffffff).toString(16) + Math.floor(Math.random() * 0xffff).toString(16)
    this.cleanup = []
  }
  topic(suffix = '') {
    return `interop/${this.client}/${this.version}/${this.caseName}/${this.runId}` + (suffix ? '/' + suffix : '')
  }
  /** The session present flag of a CONNACK that resumes a session: MQTT 3.1 has no such flag (always 0). */
  get resumed() {
    return this.version === 'v31' ? 0 : 1
  }
  clientId(role) {
    const id = `${this.client}-${this.version}-${this.caseName}-${role}-${this.runId}`
    // MQTT 3.1 allows at most 23 characters (longer: CONNACK 2, identifier rejected)
    return this.version === 'v31' ? 'i' + shortHash(id) : id
  }
  defer(fn) {
    this.cleanup.push(fn)
  }

  /** Connects and waits for CONNACK; resolves to { client, inbox, connack }. */
  async connect(role, { persistent = false, clientId, will, properties, options } = {}) {
    const id = clientId ?? this.clientId(role)
    const opts = {
      clientId: id,
      clean: !persistent,
      // MQTT 3.1 is protocol name MQIsdp, level 3 (over WebSocket MQTT.js then asks for subprotocol mqttv3.1)
      protocolVersion: { v31: 3, v311: 4, v5: 5 }[this.version],
      protocolId: this.version === 'v31' ? 'MQIsdp' : 'MQTT',
      reconnectPeriod: 0, // a case sees every disconnect; MQTT.js must not quietly reconnect
      connectTimeout: WAIT_MS,
      keepalive: 30,
      ...(options || {}),
    }
    const props = { ...(properties || {}) }
    if (this.v5 && persistent) props.sessionExpiryInterval ??= SESSION_EXPIRY_S
    if (this.v5 && Object.keys(props).length) opts.properties = props
    if (will) opts.will = will
    const client = this.mqtt.connect(this.url, opts)
    const inbox = new Inbox(id)
    // the event's topic, not packet.topic: MQTT.js resolves a topic alias only in the former
    client.on('message', (topic, payload, packet) => inbox.push({ ...packet, topic }))
    client.on('error', (e) => this.log(`${id}: error ${e.message}`))
    this.defer(() => client.end(true))
    const connack = await withTimeout(new Promise((resolve, reject) => {
      client.once('connect', resolve)
      client.once('error', reject)
      client.once('close', () => reject(new CaseFailure(`${id}: connection closed before CONNACK`)))
    }), WAIT_MS, `CONNACK for ${id}`)
    eq(connack.returnCode ?? connack.reasonCode ?? 0, 0, 'CONNACK code')
    return { client, inbox, connack, sessionPresent: connack.sessionPresent ? 1 : 0, id }
  }

  async subscriber(role, filters, subOpts, connOpts) {
    const c = await this.connect(role, connOpts)
    c.granted = (await withTimeout(c.client.subscribeAsync(filters, subOpts), WAIT_MS, 'SUBACK')).map((g) => g.qos)
    return c
  }

  async publisher(role = 'pub', connOpts) {
    return this.connect(role, connOpts)
  }
}

async function publish(c, topic, payload, opts = {}) {
  await withTimeout(c.client.publishAsync(topic, typeof payload === 'string' ? enc.encode(payload) : payload, opts),
    WAIT_MS, `acknowledgement of a publish to ${topic}`)
}

async function disconnect(c) {
  await withTimeout(c.client.endAsync(false), WAIT_MS, `DISCONNECT of ${c.id}`)
}

const triple = (p) => [p.topic, text(p), p.qos]

// ---------------------------------------------------------------------------------------------

export const CASES = []
const ALL_VERSIONS = ['v31', 'v311', 'v5']

/** 22 hex digits from a string (FNV-1a, three seeds): unique enough for the ids of one run, in node and in the browser. */
function shortHash(s) {
  let out = ''
  for (const seed of [0x811c9dc5, 0x01000193, 0x5bd1e995]) {
    let h = seed >>> 0
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i)
      h = Math.imul(h, 0x01000193) >>> 0
    }
    out += h.toString(16).padStart(8, '0')
  }
  return out.slice(0, 22)
}
const add = (name, run, v5Only = false, versions = ALL_VERSIONS) => CASES.push({ name, run, versions: v5Only ? ['v5'] : versions })

add('connect-clean', async (ctx) => {
  const id = ctx.clientId('c')
  const [oldT, newT] = [ctx.topic('old'), ctx.topic('new')]
  const first = await ctx.subscriber('c', oldT, { qos: 1 }, { persistent: true, clientId: id })
  await disconnect(first)
  const c = await ctx.subscriber('c', newT, { qos: 1 }, { clientId: id })
  eq(c.sessionPresent, 0, 'session present after a clean connect')
  const p = await ctx.publisher()
  await publish(p, oldT, 'to-old', { qos: 1 })
  await publish(p, newT, 'to-new', { qos: 1 })
  eq(triple(await c.inbox.next()), [newT, 'to-new', 1], 'first message after the clean connect (old subscription gone)')
})

add('connect-persistent', async (ctx) => {
  const id = ctx.clientId('p')
  const t = ctx.topic()
  const first = await ctx.subscriber('p', t, { qos: 1 }, { persistent: true, clientId: id })
  eq(first.sessionPresent, 0, 'session present on the first persistent connect')
  await disconnect(first)
  const again = await ctx.connect('p', { persistent: true, clientId: id })
  eq(again.sessionPresent, ctx.resumed, 'session present on reconnect')
  await publish(await ctx.publisher(), t, 'via-session', { qos: 1 })
  eq(triple(await again.inbox.next()), [t, 'via-session', 1], 'message through the subscription kept in the session')
})

for (const q of [0, 1, 2]) {
  add(`qos${q}`, async (ctx) => {
    const t = ctx.topic()
    const s = await ctx.subscriber('sub', t, { qos: q })
    eq(s.granted, [q], 'granted QoS')
    await publish(await ctx.publisher(), t, `payload at qos ${q}`, { qos: q })
    const m = await s.inbox.next()
    eq([m.topic, text(m), m.qos, m.retain], [t, `payload at qos ${q}`, q, false], 'received')
  })
}

add('qos-downgrade', async (ctx) => {
  const t = ctx.topic()
  const s = await ctx.subscriber('sub', t, { qos: 1 })
  const p = await ctx.publisher()
  await publish(p, t, 'sent-at-2', { qos: 2 })
  await publish(p, t, 'sent-at-0', { qos: 0 })
  eq((await s.inbox.expect(2)).map((m) => [text(m), m.qos]), [['sent-at-2', 1], ['sent-at-0', 0]],
    'delivered at min(published QoS, granted QoS)')
})

add('retained', async (ctx) => {
  const root = ctx.topic()
  const p = await ctx.publisher()
  await publish(p, root + '/a', 'retained-a', { qos: 1, retain: true })
  await publish(p, root + '/b', 'retained-b', { qos: 1, retain: true })
  await publish(p, root + '/b', '', { qos: 1, retain: true })
  const s = await ctx.subscriber('sub', root + '/#', { qos: 1 })
  let m = await s.inbox.next()
  eq([m.topic, text(m), m.qos, m.retain], [root + '/a', 'retained-a', 1, true], 'retained message on subscribe')
  await publish(p, root + '/c', 'live', { qos: 1, retain: true })
  m = await s.inbox.next()
  eq([m.topic, text(m), m.retain], [root + '/c', 'live', false], 'next message (b was cleared; live RETAIN 0)')
})

add('will', async (ctx) => {
  const wt = ctx.topic('will')
  const watcher = await ctx.subscriber('watch', wt, { qos: 1 })
  const polite = await ctx.connect('polite', { will: { topic: wt, payload: enc.encode('polite-client-left'), qos: 1, retain: false } })
  await disconnect(polite)
  const rudeWill = { topic: wt, payload: enc.encode('rude-client-died'), qos: 1, retain: true }
  if (ctx.v5) rudeWill.properties = { userProperties: { cause: 'crash' }, contentType: 'text/plain' }
  const rude = await ctx.connect('rude', { will: rudeWill })
  rude.client.end(true) // MQTT.js's forced end: destroys the connection without DISCONNECT
  let m = await watcher.inbox.next()
  eq([m.topic, text(m), m.qos, m.retain], [wt, 'rude-client-died', 1, false], 'will (and no will of the polite client)')
  if (ctx.v5) {
    eq([m.properties?.userProperties, m.properties?.contentType], [{ cause: 'crash' }, 'text/plain'], 'will properties')
  }
  const late = await ctx.subscriber('late', wt, { qos: 1 })
  m = await late.inbox.next()
  eq([text(m), m.retain], ['rude-client-died', true], 'will kept as retained message')
  if (ctx.v5) {
    // DISCONNECT with reason 0x04 asks the server to publish the will all the same
    const leaving = await ctx.connect('leaving', { will: { topic: wt, payload: enc.encode('left-with-will'), qos: 0, retain: false } })
    await withTimeout(leaving.client.endAsync(false, { reasonCode: 4 }), WAIT_MS, 'DISCONNECT 0x04')
    eq(text(await watcher.inbox.next()), 'left-with-will', 'will after DISCONNECT 0x04')
  }
})

add('wildcards', async (ctx) => {
  const root = ctx.topic()
  const s = await ctx.subscriber('sub', [root + '/+/temp', root + '/room1/#'], { qos: 1 })
  eq(s.granted, [1, 1], 'granted')
  const p = await ctx.publisher()
  for (const t of ['a/temp', 'a/hum', 'room1', 'room1/x/y', 'b/c/temp', 'room2/x', 'b/temp', 'end/temp']) {
    await publish(p, `${root}/${t}`, t, { qos: 1 })
  }
  const expected = ['a/temp', 'room1', 'room1/x/y', 'b/temp', 'end/temp']
  const got = await s.inbox.expect(expected.length)
  eq(got.map((m) => m.topic).sort(), expected.map((t) => `${root}/${t}`).sort(), 'topics matched by +/temp and room1/#')
})

add('queued-messages', async (ctx) => {
  const id = ctx.clientId('q')
  const t = ctx.topic()
  await disconnect(await ctx.subscriber('q', t, { qos: 2 }, { persistent: true, clientId: id }))
  const p = await ctx.publisher()
  await publish(p, t, 'queued-1', { qos: 1 })
  await publish(p, t, 'queued-2', { qos: 2 })
  const again = await ctx.connect('q', { persistent: true, clientId: id })
  eq(again.sessionPresent, ctx.resumed, 'session present')
  eq((await again.inbox.expect(2)).map(triple), [[t, 'queued-1', 1], [t, 'queued-2', 2]],
    'messages queued while the session was offline')
})

add('ordering', async (ctx) => {
  const t = ctx.topic()
  const s = await ctx.subscriber('sub', t, { qos: 2 })
  const p = await ctx.publisher()
  for (const [q, count] of [[1, 100], [2, 50]]) {
    const payloads = Array.from({ length: count }, (_, i) => `q${q}-n${String(i).padStart(3, '0')}`)
    await Promise.all(payloads.map((x) => publish(p, t, x, { qos: q }))) // all in flight at once
    eq((await s.inbox.expect(count)).map(text), payloads, `[MQTT-4.6.0-5] QoS ${q} messages in publish order`)
  }
})

add('unicode-topics', async (ctx) => {
  const root = ctx.topic()
  const s = await ctx.subscriber('sub', [root + '/+/🦜', root + '/a/+/b'], { qos: 1 })
  const p = await ctx.publisher()
  for (const t of ['ünï cødé/🦜', 'x/🦜/no', 'a//b', 'end/🦜']) await publish(p, `${root}/${t}`, t, { qos: 1 })
  const got = await s.inbox.expect(3)
  eq(got.map((m) => m.topic).sort(), ['ünï cødé/🦜', 'a//b', 'end/🦜'].map((t) => `${root}/${t}`).sort(),
    'UTF-8 topic levels and an empty level, matched by +')
})

add('large-payload', async (ctx) => {
  const t = ctx.topic()
  const s = await ctx.subscriber('sub', t, { qos: 1 })
  const payload = new Uint8Array(300000).map((_, i) => (i * 7 + (i >> 8)) % 256) // ~300 kB of binary
  await publish(await ctx.publisher(), t, payload, { qos: 1 })
  const got = bytes((await s.inbox.next()).payload)
  eq([got.length, got.every((b, i) => b === payload[i])], [payload.length, true], 'payload length and content')
})

add('empty-client-id', async (ctx) => {
  const t = ctx.topic()
  const c = await ctx.connect('anon', { clientId: '' })
  if (ctx.v5) {
    const assigned = c.connack.properties?.assignedClientIdentifier
    check(assigned && assigned.length > 0, `[MQTT-3.2.2-16] no Assigned Client Identifier in CONNACK: ${fmt(c.connack.properties)}`)
  }
  await withTimeout(c.client.subscribeAsync(t, { qos: 1 }), WAIT_MS, 'SUBACK')
  await publish(await ctx.publisher(), t, 'hello', { qos: 1 })
  eq(triple(await c.inbox.next()), [t, 'hello', 1], 'message to a client with a server-assigned id')
}, false, ['v311', 'v5']) // MQTT 3.1 requires a client id

add('unsubscribe', async (ctx) => {
  const root = ctx.topic()
  const s = await ctx.subscriber('sub', [root + '/a', root + '/b'], { qos: 1 })
  await withTimeout(s.client.unsubscribeAsync(root + '/a'), WAIT_MS, 'UNSUBACK')
  const p = await ctx.publisher()
  await publish(p, root + '/a', 'after-unsubscribe', { qos: 1 })
  await publish(p, root + '/b', 'still-subscribed', { qos: 1 })
  eq(text(await s.inbox.next()), 'still-subscribed', 'first message after UNSUBSCRIBE of a')
})

// MQTT 5 only: MQTT.js honours customHandleAcks (withholding the acknowledgement) only for MQTT 5;
// with 3.1.1 it acknowledges by itself, so the case could not leave a message unacknowledged.
for (const q of [1, 2]) {
  add(`redelivery-qos${q}`, async (ctx) => {
    const id = ctx.clientId('r')
    const t = ctx.topic()
    // This client never acknowledges (MQTT.js customHandleAcks that never calls back): no PUBACK / PUBREC.
    const first = await ctx.subscriber('r', t, { qos: 2 }, { persistent: true, clientId: id, options: { customHandleAcks: () => {} } })
    const seen = []
    first.client.on('packetreceive', (pk) => pk.cmd === 'publish' && seen.push([text(pk), pk.qos, pk.dup]))
    await publish(await ctx.publisher(), t, 'unacked', { qos: q })
    await waitFor(() => seen.length >= 1, 'the message at the client that does not acknowledge')
    eq(seen, [['unacked', q, false]], 'first delivery')
    const closed = new Promise((resolve) => first.client.once('close', resolve))
    first.client.end(true)
    await withTimeout(closed, WAIT_MS, 'connection closed')
    const again = await ctx.connect('r', { persistent: true, clientId: id })
    eq(again.sessionPresent, ctx.resumed, 'session present')
    const m = await again.inbox.next()
    eq([m.topic, text(m), m.qos, m.dup], [t, 'unacked', q, true], '[MQTT-4.4.0-1] unacknowledged message resent with DUP on reconnect')
  }, true)
}

add('session-takeover', async (ctx) => {
  const id = ctx.clientId('t')
  const first = await ctx.connect('t', { clientId: id })
  const ended = new Promise((resolve) => {
    first.client.once('disconnect', (pk) => resolve(pk))
    first.client.once('close', () => resolve(null))
  })
  const second = await ctx.connect('t', { clientId: id })
  const disconnect = await withTimeout(ended, WAIT_MS, 'the first connection to end')
  if (ctx.v5) eq(disconnect?.reasonCode, 0x8e, 'DISCONNECT reason code to the first connection (session taken over)')
  const t = ctx.topic()
  await withTimeout(second.client.subscribeAsync(t, { qos: 1 }), WAIT_MS, 'SUBACK')
  await publish(await ctx.publisher(), t, 'to-the-new-connection', { qos: 1 })
  eq(text(await second.inbox.next()), 'to-the-new-connection', 'the new connection works')
})

add('keep-alive', async (ctx) => {
  const t = ctx.topic()
  const c = await ctx.subscriber('ka', t, { qos: 1 }, { options: { keepalive: 2 } })
  let pingresps = 0
  c.client.on('packetreceive', (pk) => pk.cmd === 'pingresp' && pingresps++)
  await delay(3200) // idle for more than 1.5 x the keep-alive: only PINGREQ/PINGRESP keep it up
  check(c.client.connected, 'connection still up after 3.2 s idle with a 2 s keep-alive')
  check(pingresps >= 1, `PINGRESPs received: ${pingresps}`)
  await publish(await ctx.publisher(), t, 'after-idle', { qos: 1 })
  eq(text(await c.inbox.next()), 'after-idle', 'message after the idle period')
})

// ---- MQTT 5 only

add('maximum-packet-size', async (ctx) => {
  const t = ctx.topic()
  const s = await ctx.subscriber('sub', t, { qos: 1 }, { properties: { maximumPacketSize: 1024 } })
  const p = await ctx.publisher()
  await publish(p, t, 'x'.repeat(2000), { qos: 1 })
  await publish(p, t, 'small', { qos: 1 })
  eq(text(await s.inbox.next()), 'small', "[MQTT-3.1.2-25] a message over the client's Maximum Packet Size is not sent")
}, true)

add('subscription-identifier', async (ctx) => {
  const root = ctx.topic()
  const s = await ctx.subscriber('sub', root + '/x', { qos: 1, properties: { subscriptionIdentifier: 7 } })
  await withTimeout(s.client.subscribeAsync(root + '/#', { qos: 1, properties: { subscriptionIdentifier: 8 } }), WAIT_MS, 'SUBACK')
  await withTimeout(s.client.subscribeAsync(root + '/only', { qos: 1 }), WAIT_MS, 'SUBACK')
  const p = await ctx.publisher()
  await publish(p, root + '/x', 'tagged', { qos: 1 })
  await publish(p, root + '/only', 'marker', { qos: 1 })
  const got = []
  while (!got.length || text(got[got.length - 1]) !== 'marker') got.push(await s.inbox.next())
  const ids = (m) => [m.properties?.subscriptionIdentifier ?? []].flat().sort()
  const tagged = got.filter((m) => text(m) === 'tagged').map(ids).sort()
  // [MQTT-3.3.4-3/-4/-5] one copy carrying both identifiers, or one copy per subscription with its own
  check([fmt([[7, 8]]), fmt([[7], [8]])].includes(fmt(tagged)), `identifiers on the copies of the message: ${fmt(tagged)}`)
  eq(ids(got[got.length - 1]), [8], 'identifiers on the marker (matched by # only)')
}, true)

add('user-properties', async (ctx) => {
  const t = ctx.topic()
  const s = await ctx.subscriber('sub', t, { qos: 1 })
  await publish(await ctx.publisher(), t, 'with-properties', {
    qos: 1,
    properties: {
      userProperties: { colour: ['red', 'blue'], unit: '°C' },
      contentType: 'text/plain',
      payloadFormatIndicator: true,
    },
  })
  const m = await s.inbox.next()
  eq(text(m), 'with-properties', 'payload')
  eq(m.properties?.userProperties, { colour: ['red', 'blue'], unit: '°C' }, 'user properties (repeated key kept in order)')
  eq(m.properties?.contentType, 'text/plain', 'content type')
  eq(m.properties?.payloadFormatIndicator, true, 'payload format indicator')
}, true)

add('message-expiry', async (ctx) => {
  const id = ctx.clientId('e')
  const t = ctx.topic()
  await disconnect(await ctx.subscriber('e', t, { qos: 1 }, { persistent: true, clientId: id }))
  const live = await ctx.subscriber('live', t, { qos: 1 })
  const p = await ctx.publisher()
  await publish(p, t, 'short-lived', { qos: 1, properties: { messageExpiryInterval: 1 } })
  await publish(p, t, 'long-lived', { qos: 1, properties: { messageExpiryInterval: 300 } })
  const [short, long] = await live.inbox.expect(2)
  eq([text(short), text(long)], ['short-lived', 'long-lived'], 'online subscriber')
  check((short.properties?.messageExpiryInterval ?? 99) <= 1, `expiry of short-lived: ${short.properties?.messageExpiryInterval}`)
  const l = long.properties?.messageExpiryInterval ?? 0
  check(l > 0 && l <= 300, `expiry of long-lived: ${l}`)
  const retained = ctx.topic('retained')
  await publish(p, retained + '/short', 'short-lived-retained', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } })
  await publish(p, retained + '/long', 'long-lived-retained', { qos: 1, retain: true, properties: { messageExpiryInterval: 300 } })
  await delay(2200) // wall-clock time must pass for the 1 s expiry; nothing to poll
  const again = await ctx.connect('e', { persistent: true, clientId: id })
  eq(again.sessionPresent, ctx.resumed, 'session present')
  let m = await again.inbox.next()
  eq(text(m), 'long-lived', 'first queued message (short-lived expired while queued)')
  let left = m.properties?.messageExpiryInterval
  check(left > 0 && left < 300, `[MQTT-3.3.2-6] expiry after waiting 2 s, expected 1..299: ${left}`)
  const r = await ctx.subscriber('retained', retained + '/#', { qos: 1 })
  m = await r.inbox.next()
  eq([text(m), m.retain], ['long-lived-retained', true], 'retained messages on subscribe (the expired one is gone)')
  left = m.properties?.messageExpiryInterval
  check(left > 0 && left < 300, `retained message's expiry after 2 s: ${left}`)
  await publish(p, retained + '/marker', 'marker', { qos: 1 })
  eq(text(await r.inbox.next()), 'marker', 'next message after the retained one')
}, true)

add('session-expiry', async (ctx) => {
  const id = ctx.clientId('x')
  const [t, marker] = [ctx.topic('t'), ctx.topic('marker')]
  await disconnect(await ctx.subscriber('x', t, { qos: 1 }, { persistent: true, clientId: id, properties: { sessionExpiryInterval: 1 } }))
  const p = await ctx.publisher()
  await publish(p, t, 'queued-in-a-session-that-expires', { qos: 1 })
  await delay(2200) // wall-clock time must pass for the 1 s session expiry; nothing to poll
  const again = await ctx.subscriber('x', marker, { qos: 1 }, { persistent: true, clientId: id })
  eq(again.sessionPresent, 0, 'session present after the session expired')
  await publish(p, t, 'to-the-old-subscription', { qos: 1 })
  await publish(p, marker, 'marker', { qos: 1 })
  eq(triple(await again.inbox.next()), [marker, 'marker', 1], "first message (the expired session's queue and subscription are gone)")
}, true)

add('retained-properties', async (ctx) => {
  const t = ctx.topic()
  const corr = new Uint8Array([99, 45, 49])
  await publish(await ctx.publisher(), t, 'retained-with-properties', {
    qos: 1,
    retain: true,
    properties: { userProperties: { k: ['v1', 'v2'] }, contentType: 'application/x-test', responseTopic: t + '/reply', correlationData: corr },
  })
  const m = await (await ctx.subscriber('sub', t, { qos: 1 })).inbox.next()
  eq([text(m), m.retain], ['retained-with-properties', true], 'retained message')
  const pr = m.properties || {}
  eq([pr.userProperties, pr.contentType, pr.responseTopic, bytes(pr.correlationData)],
    [{ k: ['v1', 'v2'] }, 'application/x-test', t + '/reply', corr], 'properties kept with the retained message')
}, true)

add('request-response', async (ctx) => {
  const [reqT, replyT] = [ctx.topic('request'), ctx.topic('reply')]
  const corr = new Uint8Array([0, 1, 99, 111, 114, 114, 255]) // binary correlation data, byte for byte
  const responder = await ctx.subscriber('responder', reqT, { qos: 1 })
  const requester = await ctx.subscriber('requester', replyT, { qos: 1 })
  await publish(requester, reqT, 'ping', { qos: 1, properties: { responseTopic: replyT, correlationData: corr } })
  const req = await responder.inbox.next()
  eq([text(req), req.properties?.responseTopic, bytes(req.properties?.correlationData)], ['ping', replyT, corr],
    'request as the responder got it')
  await publish(responder, req.properties.responseTopic, 'pong', { qos: 1, properties: { correlationData: req.properties.correlationData } })
  const reply = await requester.inbox.next()
  eq([reply.topic, text(reply), bytes(reply.properties?.correlationData)], [replyT, 'pong', corr], 'reply')
}, true)

add('shared-subscriptions', async (ctx) => {
  const t = ctx.topic()
  const shared = `$share/g${ctx.runId}/${t}`
  const a = await ctx.subscriber('a', shared, { qos: 1 })
  const b = await ctx.subscriber('b', shared, { qos: 1 })
  const plain = await ctx.subscriber('plain', t, { qos: 1 })
  const p = await ctx.publisher()
  const payloads = Array.from({ length: 10 }, (_, i) => `m${i}`)
  for (const x of payloads) await publish(p, t, x, { qos: 1 })
  eq((await plain.inbox.expect(10)).map(text), payloads, 'non-shared subscriber gets every message')
  const gotA = []
  const gotB = []
  const deadline = Date.now() + WAIT_MS
  while (gotA.length + gotB.length < payloads.length && Date.now() < deadline) {
    gotA.push(...a.inbox.drain())
    gotB.push(...b.inbox.drain())
    await delay(20)
  }
  eq([...gotA, ...gotB].map(text).sort(), [...payloads].sort(), 'each message once across the group')
  check(gotA.length > 0 && gotB.length > 0, `both members should get messages (round robin): a=${gotA.length} b=${gotB.length}`)
}, true)

add('subscription-options', async (ctx) => {
  const t = ctx.topic()
  const c = await ctx.subscriber('self', t, { qos: 1, nl: true, rap: true })
  await publish(c, t, 'own-message', { qos: 1 })
  await publish(await ctx.publisher('other'), t, 'other-retained', { qos: 1, retain: true })
  const m = await c.inbox.next()
  // No Local: its own message is not sent back; Retain As Published: RETAIN stays 1 on a live message
  eq([text(m), m.retain], ['other-retained', true], 'first message (own message must not come back)')
}, true)

add('topic-aliases', async (ctx) => {
  const t = ctx.topic('a/rather/long/topic/name/worth/an/alias')
  // Both directions: the subscriber lets the broker use up to 10 aliases (Tern assigns them,
  // outboundTopicAliases), the publisher assigns its own (MQTT.js autoAssignTopicAlias).
  const s = await ctx.subscriber('sub', t, { qos: 1 }, { properties: { topicAliasMaximum: 10 } })
  const p = await ctx.connect('pub', { options: { autoAssignTopicAlias: true } })
  const sent = []
  const received = []
  p.client.on('packetsend', (pk) => pk.cmd === 'publish' && sent.push([String(pk.topic), pk.properties?.topicAlias]))
  s.client.on('packetreceive', (pk) => pk.cmd === 'publish' && received.push([String(pk.topic), pk.properties?.topicAlias]))
  for (const x of ['one', 'two', 'three']) await publish(p, t, x, { qos: 1 })
  const got = await s.inbox.expect(3)
  eq(got.map((m) => [m.topic, text(m)]), [[t, 'one'], [t, 'two'], [t, 'three']], 'messages with their topic resolved')
  check(sent.length === 3 && sent[0][1] > 0 && sent[1][0] === '' && sent[1][1] === sent[0][1],
    `MQTT.js should have sent topic+alias, then the alias alone: ${fmt(sent)}`)
  check(received.length === 3 && received[0][0] === t && received[0][1] > 0 && received[1][0] === '' &&
    received[2][1] === received[0][1], `Tern should send topic+alias, then the alias alone: ${fmt(received)}`)
}, true)

/** Runs one case; never throws. Returns { status: 'PASS' | 'FAIL', detail, ms }. */
export async function runCase(env, caseName, version) {
  const c = CASES.find((x) => x.name === caseName)
  const ctx = new Ctx({ ...env, version, caseName })
  const started = Date.now()
  let status = 'PASS'
  let detail = ''
  try {
    if (!c) throw new CaseFailure(`no case named ${caseName}`)
    await withTimeout(c.run(ctx), CASE_TIMEOUT_MS, `case ${caseName} to finish`)
  } catch (e) {
    status = 'FAIL'
    detail = `${e instanceof CaseFailure ? '' : (e?.name || 'Error') + ': '}${e?.message || e}`
    ctx.log(`${ctx.client}/${version}/${caseName} failed: ${e?.stack || e}`)
  }
  for (const fn of ctx.cleanup.reverse()) {
    try {
      fn()
    } catch (e) {
      ctx.log(`cleanup error: ${e}`)
    }
  }
  return { status, detail, ms: Date.now() - started }
}

/** The case list for a protocol version, in run order. */
export function caseNames(version) {
  return CASES.filter((c) => c.versions.includes(version)).map((c) => c.name)
}

export const VERSIONS = ALL_VERSIONS
