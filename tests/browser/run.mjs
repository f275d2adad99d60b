// The public portal in a real browser: starts `publica dev --demo` on a
// loopback port, drives Debian's headless Chromium through playwright-core
// and checks, on every page and in both languages, that it loads with no
// console error or CSP violation, that axe-core finds no WCAG 2.2 A/AA
// violation, that the keyboard alone reaches every link; that the receipt
// check says "verified" for a real receipt and names the failure for a
// tampered one, in the browser itself; that the language switch works.
// Screenshots of every page go to target/portal-screenshots/.
//
// Run: npm ci --prefix tests/browser && node tests/browser/run.mjs
// (PUBLICA_BIN and CHROMIUM override the binary and browser paths).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const bin = process.env.PUBLICA_BIN || join(root, 'target', 'debug', 'publica');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.PORTAL_SCREENSHOTS || join(root, 'target', 'portal-screenshots');

// The flags a closed network needs: without the background-networking
// ones, Chromium keeps trying to reach Google's hosts.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Starts the node; resolves with its URL and process once the demo is seeded. */
async function startNode(dataDir) {
  const child = spawn(bin, ['dev', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--block-ms', '20'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PUBLICA_LOG: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the node did not start: ${stderr}`)), 120000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/publica: listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the node exited (${code}): ${stderr}`)); });
  });
  // The API serves once the demo is seeded.
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${url}/v1/programs/ubi`);
      if (r.ok) return { url, child };
    } catch { /* not serving yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the demo was not seeded within 120 s');
}

/** Opens `path`, failing on console errors, page errors and CSP violations. */
async function open(page, url, path, { status = 200 } = {}) {
  const problems = [];
  const onConsole = (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    // The browser logs the document's own error status; the page is meant.
    if (status !== 200 && /status of \d+/.test(m.text())) return;
    problems.push(`console ${m.type()}: ${m.text()}`);
  };
  const onError = (e) => problems.push(`page error: ${e.message}`);
  page.on('console', onConsole);
  page.on('pageerror', onError);
  const response = await page.goto(url + path, { waitUntil: 'load' });
  assert.equal(response.status(), status, `${path}: status`);
  await page.waitForTimeout(50);
  page.off('console', onConsole);
  page.off('pageerror', onError);
  assert.deepEqual(problems, [], `${path}: no console error`);
}

/** axe-core inside the page: no WCAG 2.2 A/AA violation. */
async function axe(page, path) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(axeSource);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, [], `${path}: axe violations`);
  // axe ran its rules (a page it could not read would pass none).
  assert.ok(result.passes.length >= 10, `${path}: axe passed only ${result.passes.length} rules`);
  axeRulesPassed += result.passes.length;
}
let axeRulesPassed = 0;

/** Tab through the page: every visible link and control gets focus. */
async function keyboard(page, path) {
  const targets = await page.evaluate(() => {
    const visible = (e) => e.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true });
    return [...document.querySelectorAll('a[href], button, input, textarea, summary')]
      .filter((e) => visible(e) || e.classList.contains('skip'))
      .map((e, i) => { e.dataset.kbd = String(i); return String(i); });
  });
  const reached = new Set();
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  for (let i = 0; i < targets.length + 5; i++) {
    await page.keyboard.press('Tab');
    const k = await page.evaluate(() => (document.activeElement && document.activeElement.dataset.kbd) || null);
    if (k !== null) reached.add(k);
  }
  const missed = targets.filter((t) => !reached.has(t));
  const described = await page.evaluate((ks) => ks.map((k) => document.querySelector(`[data-kbd="${k}"]`).outerHTML.slice(0, 120)), missed);
  assert.deepEqual(described, [], `${path}: elements the keyboard does not reach`);
}

async function main() {
  if (!existsSync(browserPath)) throw new Error(`no browser at ${browserPath}: install Debian's chromium package`);
  const dataDir = mkdtempSync(join(tmpdir(), 'publica-portal-'));
  let node;
  let browser;
  try {
    node = await startNode(join(dataDir, 'd'));
    const { url } = node;
    const block1 = await (await fetch(`${url}/v1/blocks/1`)).json();
    const tx = (block1.block || block1).outcomes[0].tx_id;
    const ubi = await (await fetch(`${url}/v1/programs/ubi`)).json();
    const funding = ubi.program.funding_account;
    const pages = [
      ['home', '/'], ['explorer', '/explorer'], ['block', '/explorer/blocks/1'],
      ['transaction', `/explorer/transactions/${tx}`], ['account', `/explorer/accounts/${funding}`],
      ['agencies', '/explorer/agencies'], ['agency', '/explorer/agencies/city'], ['money', '/money'],
      ['programs', '/programs'], ['program', '/programs/ubi'], ['check', '/check'], ['help', '/help'],
      ['grievance', '/grievances?case=ubi-1'], ['private-conditions', '/programs/heating'],
      ['diploma', '/credentials/check'],
      ['medicines', '/medicines?uri=https://id.gs1.org/01/09520001000010/21/2'],
      ['medicines-refused', '/medicines?uri=urn:epc:id:sgtin:9520001.000001.19'],
      // The demo patient (demo citizen 1): their records' access log.
      ['health', '/health?account=7163c4eae05e6a70a8aa15251c08a166961fc02d6dd0f511f089a9ecd5f8bbc7'],
      ['claims', '/claims'],
      ['elections', '/elections'],
      ['elections-lookup', `/elections?election=city-2027&code=${'0'.repeat(64)}`],
      ['vote-closed', '/elections/city-2027/vote'],
      ['governance', '/governance'],
      ['energy', '/energy'],
      ['recycling', '/recycling'],
      ['data', '/data'],
      ['crossborder', '/crossborder'],
      ['wallet', '/wallet'],
      ['wallet-request', '/wallet/request?to=m.university-bursar&amount=12.50&reference=order-1'],
    ];
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: browserPath, args: CHROMIUM_ARGS, headless: true });
    for (const lang of ['en', 'es']) {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      for (const [name, path] of pages) {
        await open(page, url, path);
        assert.equal(await page.getAttribute('html', 'lang'), lang, `${path}: language`);
        await page.screenshot({ path: join(shots, `${name}-${lang}.png`), fullPage: true });
        await axe(page, `${path} (${lang})`);
        await keyboard(page, `${path} (${lang})`);
      }
      // An error page is a page too.
      await open(page, url, '/explorer/blocks/99999', { status: 404 });
      await axe(page, `error page (${lang})`);
      await page.screenshot({ path: join(shots, `error-${lang}.png`) });
      await context.close();
    }

    // A program with a private condition says what is proven, never a value.
    {
      const context = await browser.newContext({ locale: 'en' });
      const page = await context.newPage();
      await open(page, url, '/programs/heating');
      const text = await page.textContent('main');
      assert.match(text, /Conditions proven privately/, 'the private condition is shown');
      assert.match(text, /income below 1,500,000/, 'with its threshold');
      await context.close();
    }

    // A demo diploma checked on the portal; the revoked one is refused.
    for (const [i, verdict] of [[0, /Genuine/], [2, /Not valid/]]) {
      const context = await browser.newContext({ locale: 'en' });
      const page = await context.newPage();
      await open(page, url, '/credentials/check');
      await page.fill('#credential', readFileSync(join(dataDir, 'd', 'demo-credentials', `diploma-${i}.json`), 'utf8'));
      await page.click('#diploma-check button[type=submit]');
      await page.waitForSelector('#diploma-result h2');
      assert.match(await page.textContent('#diploma-result'), verdict, `diploma ${i}`);
      if (i === 2) {
        assert.match(await page.textContent('#diploma-result'), /Not revoked or suspended by the institution: no/);
      }
      await page.screenshot({ path: join(shots, `diploma-${i}-en.png`), fullPage: true });
      await context.close();
    }

    await walletFlow(browser, url, join(dataDir, 'd', 'dev-admin-key.json'));
    await voteFlow(browser, url, join(dataDir, 'd', 'dev-admin-key.json'));

    // The receipt check, in the browser itself.
    const context = await browser.newContext({ locale: 'en' });
    const page = await context.newPage();
    await open(page, url, `/check?tx=${tx}`);
    await page.click('#receipt-check button[type=submit]');
    await page.waitForSelector('#check-result[data-checked-by="browser"]', { timeout: 10000 });
    const verified = await page.textContent('#check-result');
    assert.match(verified, /Verified/, 'a real receipt verifies');
    assert.match(verified, /node's word/, 'what is not proved is said');
    assert.equal(page.url(), `${url}/check?tx=${tx}`, 'checked without leaving the page');
    await page.screenshot({ path: join(shots, 'check-verified-en.png'), fullPage: true });
    // Tampered: another proof hash.
    const text = await page.inputValue('#receipt');
    const receipt = JSON.parse(text);
    const h = receipt.inclusion_proof[0];
    receipt.inclusion_proof[0] = (h[0] === '0' ? '1' : '0') + h.slice(1);
    await page.fill('#receipt', JSON.stringify(receipt));
    await page.evaluate(() => document.getElementById('check-result').removeAttribute('data-checked-by'));
    await page.click('#receipt-check button[type=submit]');
    await page.waitForSelector('#check-result[data-checked-by="browser"]', { timeout: 10000 });
    const failed = await page.textContent('#check-result');
    assert.match(failed, /Not verified/);
    assert.match(failed, /does not lead to the checkpoint/, 'the failure is named');
    await page.screenshot({ path: join(shots, 'check-tampered-en.png'), fullPage: true });
    await axe(page, 'check result');
    // A state answer (an account of the demo city), checked in the browser
    // from its signed checkpoint alone.
    await open(page, url, '/check?state=money/account/city:grid-fees');
    await page.click('#receipt-check button[type=submit]');
    await page.waitForSelector('#check-result[data-checked-by="browser"]', { timeout: 10000 });
    const state = await page.textContent('#check-result');
    assert.match(state, /Verified/, 'a state answer verifies');
    assert.match(state, /money\/account\/city:grid-fees/, 'the key is named');
    assert.match(state, /still the value now/, 'what is not proved is said');
    await page.screenshot({ path: join(shots, 'check-state-en.png'), fullPage: true });
    await axe(page, 'state check result');

    // The home page's figures follow the chain (server-sent events).
    await open(page, url, '/');
    const before = await page.textContent('#live-height');
    // An idle dev chain cuts no block: a transaction makes one.
    await new Promise((resolve, reject) => {
      const send = spawn(bin, ['tx', 'send', '--key', join(dataDir, 'd', 'dev-admin-key.json'), '--module', 'system',
        '--method', 'register_account', '--node', url], { stdio: 'ignore' });
      send.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publica tx send exited ${code}`))));
    });
    await page.waitForFunction((h) => document.getElementById('live-height').textContent !== h, before, { timeout: 10000 });
    const after = await page.getAttribute('#live-height', 'href');
    assert.notEqual(after, `/explorer/blocks/${before.replace(/\D/g, '')}`, 'the latest block link follows');

    // The language switch, and it is remembered.
    await open(page, url, '/');
    await page.click('a[hreflang="es"]');
    await page.waitForLoadState('load');
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    await open(page, url, '/money');
    assert.equal(await page.getAttribute('html', 'lang'), 'es', 'the choice is remembered');
    assert.match(await page.textContent('h1'), /Adónde fue el dinero/);
    await context.close();
    console.log(`portal browser tests: ${pages.length} pages x 2 languages passed (${axeRulesPassed} axe rule checks passed, none violated); screenshots in ${shots}`);
  } finally {
    if (browser) await browser.close();
    if (node) node.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs `publica` with `args`; resolves with its standard output. */
function publica(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`publica ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/**
 * A beneficiary's wallet kept by the browser: made in the page, an account
 * opened for its key by the agency, a merchant's payment request paid from
 * its link (once: the second time is refused), money cashed out; the
 * balances, and the ledger, say so. The key survives a reload.
 */
async function walletFlow(browser, url, adminKey) {
  const { context, page, key } = await newWallet(browser, url);
  // Malformed requests get the portal's error page.
  await open(page, url, '/wallet?to=Not%20an%20account', { status: 400 });
  await open(page, url, '/wallet/request?amount=12%3C', { status: 400 });
  await open(page, url, '/wallet/qr.svg?text=', { status: 400 });
  await open(page, url, '/wallet');
  await page.waitForSelector('#wallet[data-state="ready"]');
  assert.match(key, /^[0-9a-f]{64}$/, 'the wallet shows its key');
  const send = (method, args) => publica(['tx', 'send', '--key', adminKey, '--node', url, '--module', 'money',
    '--method', method, '--args', JSON.stringify(args)]);
  await send('open_account', { id: 'w.test', currency: 'EXC', agency: 'city', owner: { kind: 'citizen', account: key } });
  await send('transfer', { from: 'city:cash-out', to: 'w.test', amount: '5000' });
  // The registry attests the holder and gives the key a nullifier token;
  // the city enrols it in the UBI, which opens its benefit account.
  const files = dirname(adminKey);
  await publica(['tx', 'send', '--key', adminKey, '--node', url, '--module', 'programs', '--method', 'attest',
    '--args', JSON.stringify({ agency: 'registry', subject: key, claims: { resident: true, age: 30 } })]);
  writeFileSync(join(files, 'wallet-persons.csv'), `person,account\nwallet-test-1,${key}\n`);
  writeFileSync(join(files, 'wallet-secret'), `${'ab'.repeat(32)}\n`);
  await publica(['programs', 'registry-tokens', '--key', adminKey, '--node', url, '--secret-file', join(files, 'wallet-secret'),
    '--program', 'ubi', '--file', join(files, 'wallet-persons.csv'), '--out', join(files, 'wallet-enrol.csv')]);
  await publica(['programs', 'import-enrolments', '--key', adminKey, '--node', url, '--program', 'ubi', '--agency', 'city',
    '--file', join(files, 'wallet-enrol.csv')]);
  await page.reload();
  await page.waitForSelector('#wallet[data-state="ready"]');
  assert.equal((await page.textContent('#wallet-key')).trim(), key, 'the key is kept across a reload');
  await page.waitForSelector(`td[data-account="b.ubi.${key.slice(0, 16)}"]`);
  await page.fill('#wallet-add-id', 'w.test');
  await page.click('#wallet-add button[type=submit]');
  await page.waitForSelector('td[data-account="w.test"]');
  assert.equal(await page.textContent('td[data-account="w.test"]'), '50.00 EXC');

  // A merchant's request, opened from its link as a phone opens its QR code.
  await open(page, url, '/wallet/request?to=m.university-bursar&amount=12.50&reference=order-1');
  await page.waitForFunction(() => document.getElementById('request-qr').complete
    && document.getElementById('request-qr').naturalWidth > 0);
  await page.click('#request-link');
  await page.waitForSelector('#wallet[data-state="ready"]');
  assert.equal(await page.inputValue('#wallet-pay-amount'), '12.50');
  await page.selectOption('#wallet-pay-from', 'w.test');
  await page.click('#wallet-pay button[type=submit]');
  await page.waitForSelector('#wallet-result p[data-code="sent"]', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('td[data-account="w.test"]')?.textContent === '37.50 EXC');
  await page.screenshot({ path: join(shots, 'wallet-paid-en.png'), fullPage: true });
  // The same request again: its reference is paid once.
  await page.click('#wallet-pay button[type=submit]');
  await page.waitForSelector('#wallet-result p[data-code="failed"]', { timeout: 15000 });
  assert.match(await page.textContent('#wallet-result'), /money\.duplicate_payment/);
  // Too many decimals are refused before anything is signed.
  await page.selectOption('#wallet-cash-out-from', 'w.test');
  await page.fill('#wallet-cash-out-to', 'city:cash-out');
  await page.fill('#wallet-cash-out-amount', '1.005');
  await page.click('#wallet-cash-out button[type=submit]');
  await page.waitForSelector('#wallet-result p[data-code="bad-amount"]');
  await page.fill('#wallet-cash-out-amount', '10');
  await page.click('#wallet-cash-out button[type=submit]');
  await page.waitForSelector('#wallet-result p[data-code="sent"]', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('td[data-account="w.test"]')?.textContent === '27.50 EXC');
  const waiting = await (await fetch(`${url}/v1/money/cash-outs/city:cash-out`)).json();
  assert.ok(waiting.waiting.some((r) => r.from === 'w.test' && r.amount === '1000'), 'the cash-out waits for the bank batch');
  // Recovery: two guardians must agree, the agency's official and a
  // friend who has a wallet too; the waiting time is one block.
  const official = JSON.parse(await publica(['keys', 'show', adminKey])).account;
  const friend = await newWallet(browser, url);
  await page.fill('#wallet-guardians-keys', `${official}, ${friend.key}`);
  await page.fill('#wallet-guardians-threshold', '2');
  await page.fill('#wallet-guardians-delay', '1');
  await page.click('#wallet-guardians button[type=submit]');
  await page.waitForSelector('#wallet-result p[data-code="guardians-set"]', { timeout: 15000 });
  const guardians = await (await fetch(`${url}/v1/state?key=identity/guardians/${key}`)).json();
  assert.deepEqual([guardians.value.guardians.length, guardians.value.threshold], [2, 2], 'the guardians are on the ledger');
  await axe(page, 'wallet with accounts');

  // The browser is lost: a new one makes a wallet and prepares the move.
  const lost = page;
  const other = await newWallet(browser, url);
  assert.notEqual(other.key, key);
  await other.page.fill('#wallet-move-account', key);
  await other.page.click('#wallet-move button[type=submit]');
  await other.page.waitForSelector('#wallet-result p[data-code="move-prepared"]');
  await other.page.click('#wallet-move-use');
  await other.page.waitForSelector('#wallet-result p[data-code="move-not-yet"]');
  const request = await other.page.textContent('#wallet-move-args');
  const recovery = async () => (await (await fetch(`${url}/v1/state?key=identity/recovery/${key}`)).json()).value;
  const guard = async (code) => {
    // The last answer is cleared first: the same code from a previous
    // request must not pass for this one.
    await friend.page.evaluate(() => { document.getElementById('wallet-result').textContent = ''; });
    await friend.page.fill('#wallet-guard-request', request);
    await friend.page.click('#wallet-guard button[type=submit]');
    await friend.page.waitForSelector(`#wallet-result p[data-code="${code}"]`, { timeout: 15000 });
  };
  // The friend starts it; the owner, who still has the old browser, stops it.
  await guard('guard-started');
  assert.ok(await recovery(), 'a recovery is under way');
  await lost.click('#wallet-veto');
  await lost.waitForSelector('#wallet-result p[data-code="vetoed"]', { timeout: 15000 });
  assert.equal(await recovery(), null, 'the owner stopped it');
  await context.close();
  // Now lost for real: the friend starts again, the official approves, and
  // once the waiting time has passed the friend finishes it.
  await guard('guard-started');
  await publica(['tx', 'send', '--key', adminKey, '--node', url, '--module', 'identity', '--method', 'approve_recovery',
    '--args', JSON.stringify({ account: key })]);
  await send('transfer', { from: 'city:cash-out', to: 'm.university-bursar', amount: '1' });
  await friend.page.click('#wallet-guard-finish');
  await friend.page.waitForSelector('#wallet-result p[data-code="guard-finished"]', { timeout: 15000 });
  await other.page.click('#wallet-move-use');
  await other.page.waitForSelector('#wallet-result p[data-code="move-used"]');
  assert.equal((await other.page.textContent('#wallet-key')).trim(), key, 'the wallet signs for the old account');
  await other.page.fill('#wallet-add-id', 'w.test');
  await other.page.click('#wallet-add button[type=submit]');
  await other.page.waitForSelector('td[data-account="w.test"]');
  await other.page.selectOption('#wallet-pay-from', 'w.test');
  await other.page.fill('#wallet-pay-to', 'm.university-bursar');
  await other.page.fill('#wallet-pay-amount', '1');
  await other.page.fill('#wallet-pay-reference', '');
  await other.page.click('#wallet-pay button[type=submit]');
  await other.page.waitForSelector('#wallet-result p[data-code="sent"]', { timeout: 15000 });
  await other.page.waitForFunction(() => document.querySelector('td[data-account="w.test"]')?.textContent === '26.50 EXC');
  await axe(other.page, 'wallet after a recovery');
  await other.context.close();
  await friend.context.close();
}

/** A new browser (context) with a new wallet: its context, page and key. */
/**
 * Voting from the portal: an election whose census holds a browser
 * wallet's key. The page encrypts the ballot with the WebAssembly ballot
 * maker: a ballot over a contest's limit is refused on the device; a
 * challenged ballot is opened on the ledger and its lookup shows what it
 * held; a cast ballot is counted. A browser without a wallet is told to
 * make one.
 */
async function voteFlow(browser, url, adminKey) {
  const files = dirname(adminKey);
  const send = (key, module, method, args) => publica(['tx', 'send', '--key', key, '--node', url, '--module', module,
    '--method', method, '--args', JSON.stringify(args)]);
  // The demo's dev key is an election officer of the city.
  const guardianKey = join(files, 'vote-guardian.json');
  await publica(['keys', 'new', '--plain', '--out', guardianKey]);
  const guardian = JSON.parse(await publica(['election', 'guardian-key', '--key', guardianKey]));
  const { context, page, key } = await newWallet(browser, url);
  const censusFile = join(files, 'vote-census.txt');
  const census = `# the web election's census\n${key}\n${'ab'.repeat(32)}\n`;
  writeFileSync(censusFile, census);
  const root = JSON.parse(await publica(['election', 'census', '--election', 'web', censusFile]));
  const opens = Date.now() + 4000;
  await send(adminKey, 'elections', 'create', {
    agency: 'city', id: 'web', title: 'web-2027',
    contests: [{ id: 'mayor', selections: ['ana', 'bo'], limit: 1 },
      { id: 'parks', selections: ['north', 'south', 'east'], limit: 2 }],
    guardians: [guardian], threshold: 1, opens_ms: opens, closes_ms: opens + 600000, census: root.census,
  });
  await publica(['election', 'commit', '--key', guardianKey, '--node', url, '--election', 'web', '--guardian', '1',
    '--secret-out', join(files, 'vote-guardian-secret.json')]);
  await new Promise((r) => setTimeout(r, Math.max(0, opens + 500 - Date.now())));

  await open(page, url, '/elections/web/vote');
  await page.waitForSelector('#vote[data-state="ready"]');
  assert.equal((await page.textContent('#vote-account')).trim(), key, 'the wallet that signs is shown');
  await axe(page, 'vote page');
  await keyboard(page, 'vote page');
  // No census file chosen: nothing is made or sent.
  await page.click('#vote-challenge');
  await page.waitForSelector('#vote-result p[data-code="no-census"]');
  const choose = async (ids) => {
    for (const box of await page.$$('#vote-form input[type=checkbox]')) await box.uncheck();
    for (const id of ids) await page.check(`#vote-${id}`);
    await page.setInputFiles('#vote-census', { name: 'census.txt', mimeType: 'text/plain', buffer: Buffer.from(census) });
  };
  // Over a contest's limit: refused on the device, nothing sent.
  await choose(['0-1', '1-0', '1-1', '1-2']);
  await page.click('#vote-cast');
  await page.waitForSelector('#vote-result p[data-code="refused"]', { timeout: 15000 });
  assert.match(await page.textContent('#vote-result'), /contest parks: at most 2 selections/);
  // Challenged: opened on the ledger, never counted; its lookup shows what it held.
  await choose(['0-1', '1-0', '1-2']);
  await page.click('#vote-challenge');
  await page.waitForSelector('#vote-result p[data-code="challenged"]', { timeout: 20000 });
  const challenged = (await page.textContent('#vote-tracking')).trim();
  assert.match(challenged, /^[0-9a-f]{64}$/);
  await page.click('#vote-check');
  await page.waitForLoadState('load');
  assert.match(await page.textContent('main'), /challenged: it was opened[^]*It held: mayor: bo; parks: north, east\./);
  // Cast: on the board and counted.
  await open(page, url, '/elections/web/vote');
  await page.waitForSelector('#vote[data-state="ready"]');
  await choose(['0-0', '1-1']);
  await page.click('#vote-cast');
  await page.waitForSelector('#vote-result p[data-code="cast"]', { timeout: 20000 });
  const cast = (await page.textContent('#vote-tracking')).trim();
  await page.screenshot({ path: join(shots, 'vote-cast-en.png'), fullPage: true });
  await axe(page, 'vote page after a ballot');
  const tracked = await (await fetch(`${url}/v1/elections/web/tracking/${cast}`)).json();
  assert.equal(tracked.status, 'counted', JSON.stringify(tracked));
  assert.equal(tracked.voter, key, 'the ballot is the wallet account\'s');
  const election = (await (await fetch(`${url}/v1/elections/web`)).json()).election;
  assert.deepEqual([election.cast, election.counted, election.challenged], [1, 1, 1], 'one counted, one challenged');
  await context.close();
  await anonymousVoteFlow(browser, url, adminKey, guardianKey);

  // A browser without a wallet is sent to make one.
  const bare = await browser.newContext({ locale: 'es' });
  const other = await bare.newPage();
  await open(other, url, '/elections/web/vote');
  await other.waitForSelector('#vote[data-state="no-wallet"]');
  assert.equal(await other.isVisible('#vote-no-wallet a[href="/wallet"]'), true);
  await axe(other, 'vote page without a wallet (es)');
  await bare.close();
}

/**
 * An anonymous census from the portal: the wallet registers before the
 * election opens (a second time is refused), a voter registers with the
 * CLI, and after the opening the wallet votes under its pseudonym, each
 * ballot from a key made for it; a second ballot replaces the first.
 */
async function anonymousVoteFlow(browser, url, adminKey, guardianKey) {
  const files = dirname(adminKey);
  const send = (key, module, method, args) => publica(['tx', 'send', '--key', key, '--node', url, '--module', module,
    '--method', method, '--args', JSON.stringify(args)]);
  const guardian = JSON.parse(await publica(['election', 'guardian-key', '--key', guardianKey]));
  const otherKey = join(files, 'anon-voter.json');
  await publica(['keys', 'new', '--plain', '--out', otherKey]);
  const other = JSON.parse(await publica(['keys', 'show', otherKey])).account;
  const { context, page, key } = await newWallet(browser, url);
  const census = `${other}\n${key}\n`;
  const censusFile = join(files, 'anon-census.txt');
  writeFileSync(censusFile, census);
  const root = JSON.parse(await publica(['election', 'census', '--election', 'anon', '--ring', '2', censusFile]));
  const opens = Date.now() + 12000;
  await send(adminKey, 'elections', 'create', {
    agency: 'city', id: 'anon', title: 'anon-2027',
    contests: [{ id: 'mayor', selections: ['ana', 'bo'], limit: 1 }],
    guardians: [guardian], threshold: 1, opens_ms: opens, closes_ms: opens + 600000, census: root.census,
  });
  await publica(['election', 'commit', '--key', guardianKey, '--node', url, '--election', 'anon', '--guardian', '1',
    '--secret-out', join(files, 'anon-guardian-secret.json')]);
  await open(page, url, '/elections/anon/vote');
  await page.waitForSelector('#vote[data-state="ready"][data-census="anonymous"]');
  const file = { name: 'census.txt', mimeType: 'text/plain', buffer: Buffer.from(census) };
  await page.setInputFiles('#vote-register-census', file);
  await page.click('#vote-register button[type=submit]');
  await page.waitForSelector('#vote-result p[data-code="registered"]', { timeout: 20000 });
  await axe(page, 'vote page, anonymous census');
  await page.click('#vote-register button[type=submit]');
  await page.waitForSelector('#vote-result p[data-code="failed"]', { timeout: 20000 });
  assert.match(await page.textContent('#vote-result'), /elections\.already_registered/);
  await publica(['election', 'register', '--key', otherKey, '--node', url, '--election', 'anon', '--census', censusFile]);
  await new Promise((r) => setTimeout(r, Math.max(0, opens + 500 - Date.now())));

  const cast = async (box) => {
    await open(page, url, '/elections/anon/vote');
    await page.waitForSelector('#vote[data-state="ready"]');
    await page.check(`#vote-${box}`);
    await page.click('#vote-cast');
    await page.waitForSelector('#vote-result p[data-code="cast"]', { timeout: 30000 });
    return (await page.textContent('#vote-tracking')).trim();
  };
  const first = await cast('0-0');
  const second = await cast('0-1');
  await page.screenshot({ path: join(shots, 'vote-anonymous-en.png'), fullPage: true });
  const status = async (code) => (await (await fetch(`${url}/v1/elections/anon/tracking/${code}`)).json());
  const counted = await status(second);
  assert.equal(counted.status, 'counted', JSON.stringify(counted));
  assert.notEqual(counted.voter, key, 'an anonymous ballot names a pseudonym, not the wallet');
  assert.equal((await status(first)).status, 'replaced', 'the second ballot replaces the first');
  const board = await (await fetch(`${url}/v1/elections/anon/ballots`)).json();
  assert.equal(board.entries.length, 2);
  assert.equal(board.entries[1].member.replaces, first, 'the replacement names the ballot it replaces');
  await context.close();
}

async function newWallet(browser, url) {
  const context = await browser.newContext({ locale: 'en' });
  const page = await context.newPage();
  await open(page, url, '/wallet');
  await page.waitForSelector('#wallet[data-state="empty"]');
  await page.click('#wallet-create');
  await page.waitForSelector('#wallet[data-state="ready"]');
  const key = (await page.textContent('#wallet-key')).trim();
  return { context, page, key };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
