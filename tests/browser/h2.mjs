// HTTP/2 in a real browser: Debian's chromium, headless, driven by puppeteer-core, loads wwwroot over https from a
// -SelfSigned server and reports the protocol of the page and of each subresource (Resource Timing's nextHopProtocol).
// Run by tests/PSWebServer.Tests/Http2.Browser.Tests.ps1, which starts the servers and reads one JSON line per check.
//   node h2.mjs '{"chromium":"/usr/bin/chromium","h2Url":"https://127.0.0.1:N/","h1Url":"https://127.0.0.1:M/",
//                 "modulesUrl":"https://127.0.0.1:K/","modules":120,"lrUrl":"https://127.0.0.1:L/","lrRoot":"/tmp/site",
//                 "spki":"<base64 sha256>,..."}'
// h1Url is the same site from a server started with -Protocol Http1: the control that shows the measure can say
// something other than h2. modulesUrl serves a page of `modules` unbundled ES modules (the preview this feature is
// for); lrUrl a -LiveReload server over https whose root is lrRoot. The certificates are trusted by their SPKI hashes
// only (no --ignore-certificate-errors).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const config = JSON.parse(process.argv[2]);
const report = (name, ok, detail) => console.log(JSON.stringify({ name, ok: !!ok, detail: detail ?? '' }));

// The page's own protocol and every resource's, after the load and a few fetch() calls of wwwroot's files.
async function protocols(browser, url) {
  const page = await browser.newPage();
  try {
    const response = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    const status = response ? response.status() : 0;
    return await page.evaluate(async (status) => {
      for (const path of ['/hello.txt', '/data/server.json', '/img/logo.svg', '/docs/']) {
        await (await fetch(path, { cache: 'no-store' })).arrayBuffer();
      }
      const navigation = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((r) => ({
        path: new URL(r.name).pathname, protocol: r.nextHopProtocol, type: r.initiatorType,
      }));
      return {
        status,
        title: document.querySelector('h1')?.textContent ?? '',
        navigation: navigation ? navigation.nextHopProtocol : '',
        resources,
      };
    }, status);
  } finally {
    await page.close();
  }
}

const browser = await puppeteer.launch({
  executablePath: config.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-proxy-server',
    `--ignore-certificate-errors-spki-list=${config.spki}`],
});
try {
  const h2 = await protocols(browser, config.h2Url);
  report('wwwroot renders over https', h2.status === 200 && h2.title === 'PSWebServer', JSON.stringify({ status: h2.status, title: h2.title }));
  report('navigation over h2', h2.navigation === 'h2', `nextHopProtocol ${h2.navigation}`);
  const loaded = h2.resources.filter((r) => r.type !== 'fetch');
  const wanted = ['/css/site.css', '/img/logo.png'];
  const missing = wanted.filter((p) => !loaded.some((r) => r.path === p));
  report('page subresources over h2', missing.length === 0 && loaded.every((r) => r.protocol === 'h2'),
    `missing ${JSON.stringify(missing)}; ${JSON.stringify(loaded)}`);
  const fetched = h2.resources.filter((r) => r.type === 'fetch');
  report('fetch() over h2', fetched.length === 4 && fetched.every((r) => r.protocol === 'h2'), JSON.stringify(fetched));

  // A page of many unbundled modules: every one over h2 (the Pester side checks they shared one connection).
  {
    const page = await browser.newPage();
    await page.goto(config.modulesUrl, { waitUntil: 'load', timeout: 30000 });
    await page.waitForFunction((n) => window.__modulesLoaded === n, { timeout: 30000 }, config.modules);
    const modules = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((r) => new URL(r.name).pathname.startsWith('/lib/')).map((r) => r.nextHopProtocol));
    const navigation = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    report(`${config.modules} modules over h2`, navigation === 'h2' && modules.length === config.modules && modules.every((p) => p === 'h2'),
      `navigation ${navigation}; ${modules.length} module entries, protocols ${JSON.stringify([...new Set(modules)])}`);
    await page.close();
  }

  // Media over h2: the media loader asks for the audio in ranges (the Pester side checks the 206s in the journal).
  {
    const page = await browser.newPage();
    await page.goto(config.modulesUrl + 'media.html', { waitUntil: 'load', timeout: 15000 });
    let state = '';
    try {
      await page.waitForFunction(() => document.getElementById('state').textContent.includes('loadedmetadata'), { timeout: 15000, polling: 50 });
    } catch { /* reported below */ }
    state = await page.evaluate(() => document.getElementById('state').textContent);
    const media = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((r) => r.name.endsWith('/tone.wav')).map((r) => r.nextHopProtocol));
    report('audio decodes from ranges over h2', state.includes('loadedmetadata') && !state.includes('error') && media.every((p) => p === 'h2'),
      `state "${state}"; protocols ${JSON.stringify(media)}`);
    await page.close();
  }

  // Live reload over h2: the page's event stream is one more stream on the page's connection.
  {
    const page = await browser.newPage();
    await page.goto(config.lrUrl + 'index.html', { waitUntil: 'load', timeout: 15000 });
    await page.waitForFunction(() => window.__pswebserverLiveReload === 'connected', { timeout: 10000 });
    const navigation = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    await page.evaluate(() => { window.__marker = 42; });
    const started = Date.now();
    writeFileSync(join(config.lrRoot, 'index.html'), '<!doctype html><html><body><h1 id="t">two</h1></body></html>');
    let ok = false;
    try {
      await page.waitForFunction(() => document.getElementById('t')?.textContent === 'two', { timeout: 5000, polling: 20 });
      ok = await page.evaluate(() => window.__marker === undefined && performance.getEntriesByType('navigation')[0].nextHopProtocol === 'h2');
    } catch { ok = false; }
    report('live reload over h2', navigation === 'h2' && ok, `navigation ${navigation}; reloaded ${ok} after ${Date.now() - started} ms`);
    await page.close();
  }

  const h1 = await protocols(browser, config.h1Url);
  report('-Protocol Http1 server: http/1.1', h1.navigation === 'http/1.1' && h1.resources.every((r) => r.protocol === 'http/1.1'),
    JSON.stringify({ navigation: h1.navigation, resources: h1.resources }));
} catch (error) {
  report('browser run', false, String(error && error.stack || error));
} finally {
  await browser.close();
}
