// Live reload in a real browser: Debian's chromium, headless, driven by puppeteer-core. Run by
// tests/PSWebServer.Tests/LiveReload.Browser.Tests.ps1, which starts the servers and reads one JSON line per check.
//   node livereload.mjs '{"chromium":"/usr/bin/chromium","watchUrl":"http://127.0.0.1:N/","watchRoot":"/tmp/site",
//                         "scriptUrl":"http://127.0.0.1:M/","scriptRoot":"/tmp/site2","signalDir":"/tmp/signals"}'
// scriptUrl is a server started with -NoWatch: the test writes <signalDir>/ready when its page waits, and the
// PowerShell side answers with Invoke-ServerReload.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const config = JSON.parse(process.argv[2]);
const report = (name, ok, detail) => console.log(JSON.stringify({ name, ok: !!ok, detail: detail ?? '' }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(browser, url) {
  const page = await browser.newPage();
  let navigations = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations++; });
  await page.goto(url, { waitUntil: 'load', timeout: 10000 });
  await page.waitForFunction(() => window.__pswebserverLiveReload === 'connected', { timeout: 10000 });
  await page.evaluate(() => { window.__marker = 42; });
  return { page, navigations: () => navigations };
}

// After a write, the page shows the new text: how long it took, and whether it navigated (the marker is gone).
async function reloadsWithin(page, write, selector, text, timeout) {
  const started = Date.now();
  write();
  await page.waitForFunction((s, t) => document.querySelector(s)?.textContent === t, { timeout, polling: 20 }, selector, text);
  const took = Date.now() - started;
  const navigated = await page.evaluate(() => window.__marker === undefined);
  return { took, navigated };
}

const browser = await puppeteer.launch({
  executablePath: config.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const root = config.watchRoot;

  // 0. Eight tabs on one server all load and all reload: they share one stream, so they do not use up the
  //    browser's six connections to the server (a stream per tab would leave the seventh tab loading forever).
  //    First, while no other page has had a stream: a stream whose page went is only noticed at its next heartbeat.
  {
    const tabs = [];
    for (let i = 0; i < 8; i++) tabs.push(await open(browser, config.watchUrl + 'many.html'));
    // The PowerShell side answers with the server's LiveReloadClients while the eight are open.
    writeFileSync(join(config.signalDir, 'tabs'), 'count');
    const counted = join(config.signalDir, 'tabs-counted');
    for (let waited = 0; !existsSync(counted) && waited < 5000; waited += 50) await sleep(50);
    const streams = existsSync(counted) ? readFileSync(counted, 'utf8').trim() : 'no answer';
    report('eight tabs share one stream', streams === '1', `streams open: ${streams}`);
    const started = Date.now();
    writeFileSync(join(root, 'many.html'), '<html><body><p id="t">many two</p></body></html>');
    const waits = tabs.map(({ page }) => page.waitForFunction(() => document.getElementById('t')?.textContent === 'many two',
      { timeout: 5000, polling: 20 }).then(() => true, () => false));
    const reloaded = (await Promise.all(waits)).filter(Boolean).length;
    report('eight tabs all load and all reload', reloaded === 8, `${reloaded} of 8 reloaded in ${Date.now() - started} ms`);
    for (const { page } of tabs) await page.close();
  }

  // 1. A changed page reloads with its new content within a second.
  {
    const { page } = await open(browser, config.watchUrl + 'index.html');
    const hasScript = await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/__pswebserver/livereload.js')));
    report('page carries the script', hasScript);
    const r = await reloadsWithin(page, () => writeFileSync(join(root, 'index.html'),
      '<!doctype html><html><head><link rel="stylesheet" href="/css/site.css"></head><body><h1 id="t">two</h1></body></html>'), '#t', 'two', 5000);
    report('page reloads with new content within a second', r.navigated && r.took < 1000, `took ${r.took} ms, navigated ${r.navigated}`);

    // 2. A stylesheet change applies without a navigation.
    const before = await page.evaluate(() => getComputedStyle(document.getElementById('t')).color);
    await page.evaluate(() => { window.__marker = 42; });
    const started = Date.now();
    writeFileSync(join(root, 'css', 'site.css'), 'h1 { color: rgb(0, 0, 255); }\n');
    let after = before;
    try {
      await page.waitForFunction(() => getComputedStyle(document.getElementById('t')).color === 'rgb(0, 0, 255)', { timeout: 5000, polling: 20 });
      after = 'rgb(0, 0, 255)';
    } catch { after = await page.evaluate(() => getComputedStyle(document.getElementById('t')).color); }
    const kept = await page.evaluate(() => window.__marker === 42);
    report('stylesheet change applies without a navigation', after === 'rgb(0, 0, 255)' && kept,
      `color ${before} -> ${after} in ${Date.now() - started} ms, marker kept ${kept}`);

    // 4. fetch() of an HTML fragment gets it without the script.
    const fragment = await page.evaluate(async () => (await fetch('/fragment.html')).text());
    report('fetch() of an HTML fragment has no script', fragment.includes('<li>fragment</li>') && !fragment.includes('__pswebserver'), fragment);
    const viaXhr = await page.evaluate(() => new Promise((resolve) => {
      const x = new XMLHttpRequest(); x.open('GET', '/fragment.html'); x.onload = () => resolve(x.responseText); x.send();
    }));
    report('XHR of an HTML fragment has no script', !viaXhr.includes('__pswebserver'), viaXhr);
    await page.close();
  }

  // 3. A page with no </body> (nor </html>) reloads too.
  {
    const { page } = await open(browser, config.watchUrl + 'bare.html');
    const r = await reloadsWithin(page, () => writeFileSync(join(root, 'bare.html'), '<p id="t">bare two</p>'), '#t', 'bare two', 5000);
    report('page without </body> reloads', r.navigated && r.took < 1000, `took ${r.took} ms, navigated ${r.navigated}`);
    await page.close();
  }

  // 5. Invoke-ServerReload triggers a reload; without it, on a -NoWatch server, a change does not.
  {
    const { page } = await open(browser, config.scriptUrl + 'index.html');
    writeFileSync(join(config.scriptRoot, 'index.html'), '<html><body><h1 id="t">built</h1></body></html>');
    await sleep(700);
    const stillThere = await page.evaluate(() => window.__marker === 42);
    report('-NoWatch: a change alone does not reload', stillThere);
    const started = Date.now();
    writeFileSync(join(config.signalDir, 'ready'), 'reload');
    let ok = false;
    try {
      await page.waitForFunction(() => document.getElementById('t')?.textContent === 'built', { timeout: 10000, polling: 20 });
      ok = await page.evaluate(() => window.__marker === undefined);
    } catch { ok = false; }
    report('Invoke-ServerReload reloads the page', ok, `after ${Date.now() - started} ms`);
    await page.close();
  }
} catch (error) {
  report('browser run', false, String(error && error.stack || error));
} finally {
  await browser.close();
}
