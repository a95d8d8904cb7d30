#!/usr/bin/env node
// MQTT.js under Node against Tern: every case of cases.js over TCP (mqtt://) and over WebSocket
// (ws://, MQTT.js's own `ws` transport), MQTT 3.1.1 and 5. One RESULT line per case on stdout
// (see interop/python/harness.py for the format); diagnostics on stderr.
import { parseArgs } from 'node:util'
import mqtt from 'mqtt'
import { caseNames, runCase } from './cases.js'

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'tcp-port': { type: 'string' },
    'ws-url': { type: 'string' },
    only: { type: 'string' },
  },
})

const transports = []
if (args['tcp-port']) transports.push(['mqttjs-tcp', `mqtt://${args.host}:${args['tcp-port']}`])
if (args['ws-url']) transports.push(['mqttjs-ws', args['ws-url']])
if (!transports.length) {
  console.error('usage: node.mjs --tcp-port N [--ws-url ws://host:port/path] [--only TEXT]')
  process.exit(2)
}

const log = (line) => console.error(line)
let failed = 0
for (const [client, url] of transports) {
  for (const version of ['v31', 'v311', 'v5']) {
    for (const name of caseNames(version)) {
      const id = `${client}/${version}/${name}`
      if (args.only && !id.includes(args.only)) continue
      log(`---- ${id} (${url})`)
      const r = await runCase({ mqtt, url, client, log }, name, version)
      if (r.status !== 'PASS') failed++
      console.log(['RESULT', r.status, id, r.ms, r.detail.replace(/[\t\n]/g, ' ')].join('\t'))
    }
  }
}
log(`mqttjs node: ${mqtt.connect ? 'mqtt ' + (await import('mqtt/package.json', { with: { type: 'json' } })).default.version : ''}`)
process.exit(failed ? 1 : 0)
