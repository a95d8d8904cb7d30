#!/usr/bin/env node
// MQTT.js in a real headless Chromium against Tern over WebSocket, MQTT 3.1.1 and 5.
//
// Serves page.html, cases.js and MQTT.js's browser build (node_modules/mqtt/dist/mqtt.esm.js)
// from 127.0.0.1, opens the page in Debian's Chromium driven by Selenium through Debian's
// chromedriver, and runs each case of cases.js inside the page. One RESULT line per case on
// stdout (format: interop/python/harness.py); diagnostics on stderr.
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Builder } from 'selenium-webdriver'
import chrome from 'selenium-webdriver/chrome.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({
  options: {
    'ws-url': { type: 'string' },
    only: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    chromedriver: { type: 'string', default: '/usr/bin/chromedriver' },
  },
})
if (!args['ws-url']) {
  console.error('usage: browser.mjs --ws-url ws://127.0.0.1:PORT/mqtt [--only TEXT]')
  process.exit(2)
}
const log = (line) => console.error(line)

// The only files the page may load.
const files = {
  '/page.html': [path.join(here, 'page.html'), 'text/html; charset=utf-8'],
  '/cases.js': [path.join(here, 'cases.js'), 'text/javascript; charset=utf-8'],
  '/mqtt.esm.js': [path.join(here, '..', 'node_modules', 'mqtt', 'dist', 'mqtt.esm.js'), 'text/javascript; charset=utf-8'],
}
const server = http.createServer((req, res) => {
  const f = files[new URL(req.url, 'http://x').pathname]
  if (!f) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' })
  fs.createReadStream(f[0]).pipe(res)
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const pageUrl = `http://127.0.0.1:${server.address().port}/page.html`

// Flags this machine needs: no sandbox as root, and nothing that reaches for the network
// (without them Chromium's background connections are refused by the closed network).
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-interop-chromium-'))
const options = new chrome.Options()
  .setChromeBinaryPath(args.chromium)
  .addArguments('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', `--user-data-dir=${profile}`)
process.env.SE_OFFLINE = 'true' // Selenium Manager must not try to download a browser or driver

let driver
let failed = 0
try {
  driver = await new Builder()
    .forBrowser('chrome')
    .setChromeOptions(options)
    .setChromeService(new chrome.ServiceBuilder(args.chromedriver))
    .build()
  await driver.manage().setTimeouts({ script: 60000, pageLoad: 20000 })
  await driver.get(pageUrl)
  await driver.wait(async () => (await driver.getTitle()) === 'ready', 20000, 'page.html did not load its modules')
  log(`browser: ${await driver.executeScript('return navigator.userAgent')}`)
  for (const version of ['v31', 'v311', 'v5']) {
    const names = await driver.executeScript('return window.interop.caseNames(arguments[0])', version)
    for (const name of names) {
      const id = `mqttjs-browser/${version}/${name}`
      if (args.only && !id.includes(args.only)) continue
      log(`---- ${id} (${args['ws-url']})`)
      const r = await driver.executeAsyncScript(
        'const done = arguments[arguments.length - 1];' +
        'window.interop.run(arguments[0], arguments[1], arguments[2]).then(done, (e) => done({ status: "FAIL", detail: String(e), ms: 0 }))',
        name, version, args['ws-url'])
      for (const line of await driver.executeScript('return window.interop.takeLogs()')) log(line)
      if (r.status !== 'PASS') failed++
      console.log(['RESULT', r.status, id, r.ms, String(r.detail).replace(/[\t\n]/g, ' ')].join('\t'))
    }
  }
} catch (e) {
  // The browser itself did not work: one failing line, so the summary says so.
  log(e?.stack || String(e))
  console.log(['RESULT', 'FAIL', 'mqttjs-browser/setup', 0, `${e?.name}: ${e?.message}`.replace(/[\t\n]/g, ' ')].join('\t'))
  failed++
} finally {
  if (driver) await driver.quit().catch((e) => log(`quit: ${e}`))
  server.close()
  fs.rmSync(profile, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
