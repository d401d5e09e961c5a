// The operators' pages (examples/php/admin) in headless Chromium — Debian's
// chromium, driven by playwright-core (no downloaded browser). Run by
// run_browser_test.sh, which makes the jobs and starts `php -S`:
//   WEB_BASE       http://127.0.0.1:PORT
//   WEB_USER, WEB_PASSWORD   the admin credentials
//   WEB_IDS        JSON file: batch ids of the jobs failed, xss, big
//   WEB_OUT        where the screenshots go
//   WEB_WORKER     JSON array: the worker command to start (processes one job)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//
// It signs in through the login form, sees the job list with its counts,
// filters it by priority and to failed jobs, opens the big queued job, starts
// a real worker and watches the progress bar advance to completed without a
// page reload (then its one attempt), retries the failed job with the Retry
// button and sees it requeued (its attempt kept, the counts updated), clicks
// Cancel job and declines the confirmation (which says rows already imported
// stay): nothing is cancelled; checks that a job with <script> in its
// filename and notes shows them as text, opens the health page, cancels the
// requeued job accepting the confirmation, and saves screenshots of the
// three pages.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

function need(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set (run run_browser_test.sh)`);
  }
  return value;
}

const base = need('WEB_BASE');
const user = need('WEB_USER');
const password = need('WEB_PASSWORD');
const ids = JSON.parse(readFileSync(need('WEB_IDS'), 'utf8'));
const out = need('WEB_OUT');
const workerCommand = JSON.parse(need('WEB_WORKER'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const XSS_FILENAME = '<script>window.xssFilename=1</script>.csv';
const XSS_NOTES = '<img src=x onerror="window.xssNotes=1"> & "quotes"';
const FINAL = ['completed', 'failed', 'cancelled'];

const problems = [];
const screenshots = [];
// Dialogs: none is expected unless dialogAnswer is 'accept' or 'dismiss'; those are recorded.
let dialogAnswer = null;
const dialogs = [];
let context;
let worker;
let workerOutput = '';
let profile;

const step = (message) => console.log(`- ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function screenshot(page, name) {
  const file = path.join(out, name);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

async function rowIds(page) {
  return page.$$eval('#jobs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-batch-id')));
}

// The status page's attempts table, one object per row.
async function attempts(page) {
  return page.$$eval('#attempts-table tbody tr', (rows) => rows.map((r) => {
    const cells = [...r.querySelectorAll('td')].map((td) => td.textContent.trim().replace(/\s+/g, ' '));
    return { attempt: r.getAttribute('data-attempt'), outcome: r.getAttribute('data-outcome'), worker: cells[1],
             ended: cells[3], processed: cells[5], imported: cells[6], failed: cells[7], error: cells[8] };
  }));
}

async function attemptEnded(page, n) {
  return (await page.textContent(`#attempts-table tr[data-attempt="${n}"] td.ended`)).trim().replace(/\s+/g, ' ');
}

async function noScriptRan(page) {
  const ran = await page.evaluate(() => [window.xssFilename, window.xssNotes, window.xssMeta]);
  assert.deepEqual(ran, [undefined, undefined, undefined], 'a script from job data ran');
}

function startWorker() {
  const [cmd, ...args] = workerCommand;
  worker = spawn(cmd, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  worker.stdout.on('data', (d) => { workerOutput += d; });
  worker.stderr.on('data', (d) => { workerOutput += d; });
  return new Promise((resolve) => worker.on('exit', (code, signal) => resolve({ code, signal })));
}

async function main() {
  mkdirSync(out, { recursive: true });
  profile = mkdtempSync(path.join(tmpdir(), 'eclectyc-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    if (dialogAnswer === null) {
      problems.push(`dialog: ${d.message()}`);
      d.dismiss().catch(() => {});
      return;
    }
    dialogs.push({ type: d.type(), message: d.message() });
    (dialogAnswer === 'accept' ? d.accept() : d.dismiss()).catch(() => {});
  });
  page.on('console', (m) => {
    const where = m.location()?.url ?? '';
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) {
      problems.push(`console error: ${m.text()} (${where})`);
    }
  });

  // ---- Sign in: an admin page sends the browser to the login form.
  step('sign in');
  await page.goto(`${base}/admin/imports/jobs`);
  assert.match(page.url(), /\/admin\/login\?next=%2Fadmin%2Fimports%2Fjobs$/);
  await page.fill('#login-user', user);
  await page.fill('#login-password', 'wrong password');
  await page.click('#login-submit');
  assert.equal(await page.textContent('#login-error'), 'Wrong user name or password.');
  // The refused login is a 401, which Chromium logs as a console error: expected here, and only here.
  assert.ok(problems.length <= 1 && problems.every((p) => /status of 401 .*\/admin\/login\)$/.test(p)), problems.join('\n'));
  problems.length = 0;
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await Promise.all([page.waitForURL(`${base}/admin/imports/jobs`), page.click('#login-submit')]);
  assert.equal(await page.textContent('#signed-in-user'), user);

  // ---- The list: every job, newest first, counts per status.
  step('the job list');
  assert.deepEqual(await rowIds(page), [ids.big, ids.xss, ids.failed]);
  assert.equal((await page.textContent('[data-status="all"] strong')).trim(), '3');
  assert.equal((await page.textContent('#status-counts [data-status="failed"] strong')).trim(), '1');
  assert.equal((await page.textContent('#status-counts [data-status="queued"] strong')).trim(), '1');
  // The XSS case renders as text (and no script from job data runs).
  const xssRow = page.locator(`tr[data-batch-id="${ids.xss}"]`);
  assert.equal(await xssRow.locator('a.job-link').textContent(), XSS_FILENAME);
  assert.equal((await xssRow.locator('.notes').textContent()).trim(), XSS_NOTES);
  assert.equal(await page.locator('img').count(), 0, 'an <img> from job data');
  await noScriptRan(page);
  await screenshot(page, 'jobs.png');

  // ---- Filter by priority: the store's filter (every fixture job is normal).
  step('filter by priority');
  await page.selectOption('#filter-priority', 'high');
  await Promise.all([page.waitForURL(/priority=high/), page.click('#filter-submit')]);
  assert.deepEqual(await rowIds(page), []);
  assert.equal(await page.locator('#no-jobs').count(), 1);
  assert.equal((await page.textContent('[data-status="all"] strong')).trim(), '3', 'counts are not filtered');
  await page.selectOption('#filter-priority', 'normal');
  await Promise.all([page.waitForURL(/priority=normal/), page.click('#filter-submit')]);
  assert.deepEqual(await rowIds(page), [ids.big, ids.xss, ids.failed]);
  await page.selectOption('#filter-priority', '');

  // ---- Filter to failed.
  step('filter to failed');
  await page.selectOption('#filter-status', 'failed');
  await Promise.all([page.waitForURL(/status=failed/), page.click('#filter-submit')]);
  assert.deepEqual(await rowIds(page), [ids.failed]);
  assert.deepEqual(await page.$$eval('#jobs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-status'))),
    ['failed']);
  assert.equal(await page.inputValue('#filter-status'), 'failed');

  // ---- A job a worker processes: the bar advances to completed without a reload.
  // The worker pauses 400 ms after each committed batch of 5,000 readings and
  // the file has 60,000, so the job stays between 0 and 100 % for at least
  // 12 x 0.4 s = 4.8 s while the page polls every second: the test requires
  // an intermediate value to be seen, and fails if it is not.
  step('watch a job being processed');
  await page.goto(`${base}/admin/imports/status/${ids.big}`);
  assert.equal(await page.textContent('#job-status'), 'queued');
  assert.equal(await page.$eval('#progress-bar', (b) => b.value), 0);
  assert.equal(await page.getAttribute('#progress', 'data-final'), '0');
  let navigations = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations += 1; });
  const workerDone = startWorker();
  const samples = [];
  let midShot = false;
  const deadline = Date.now() + 120000;
  for (;;) {
    let s = null;
    try {
      s = await page.evaluate(() => ({
        status: document.getElementById('job-status')?.textContent,
        value: document.getElementById('progress-bar')?.value,
        percent: document.getElementById('progress-percent')?.textContent,
        rows: document.getElementById('progress-rows')?.textContent,
        rate: document.getElementById('progress-rate')?.textContent,
        eta: document.getElementById('progress-eta')?.textContent,
        final: document.getElementById('progress')?.getAttribute('data-final'),
        summary: document.getElementById('summary-format')?.textContent ?? null,
      }));
    } catch (e) {
      // The page reloads itself once the job has finished.
    }
    if (s) {
      const last = samples[samples.length - 1];
      if (!last || JSON.stringify(last) !== JSON.stringify(s)) {
        samples.push({ t: Date.now(), navigations, ...s });
      }
      if (!midShot && s.status === 'processing' && s.value > 0 && s.value < 100 && /rows\/s/.test(s.rate)) {
        midShot = true;
        await screenshot(page, 'status-processing.png');
      }
      if (s.summary !== null && s.final === '1') {
        break;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`the job did not complete in time; samples: ${JSON.stringify(samples, null, 1)}`);
    }
    await sleep(100);
  }
  const { code } = await workerDone;
  assert.equal(code, 0, `the worker failed:\n${workerOutput}`);
  assert.match(workerOutput, /completed 1/);
  const intermediate = samples.filter((s) => s.status === 'processing' && s.value > 0 && s.value < 100);
  const seen = [...new Set(samples.map((s) => `${s.status}:${s.value}`))];
  console.log(`  ${samples.length} distinct states seen, ${intermediate.length} of them intermediate; `
    + `status:percent in order: ${seen.join(' ')}`);
  assert.ok(intermediate.length >= 1, `no intermediate progress seen: ${JSON.stringify(samples)}`);
  assert.ok(intermediate.some((s) => /rows\/s$/.test(s.rate) && /\d+ (s|min)/.test(s.eta)),
    `no rate and ETA seen while processing: ${JSON.stringify(intermediate)}`);
  assert.ok(intermediate.every((s) => s.navigations === 0), 'the page reloaded while the job was processing');
  const values = samples.filter((s) => s.navigations === 0).map((s) => s.value);
  assert.deepEqual(values, [...values].sort((a, b) => a - b), `the bar went backwards: ${values}`);
  assert.ok(samples.some((s) => s.navigations === 0 && s.status === 'completed' && s.value === 100),
    'the bar did not reach 100 % / completed in place');
  const done = samples[samples.length - 1];
  assert.deepEqual([done.status, done.value, done.percent, done.rows], ['completed', 100, '100.0 %', '60,000 of 60,000 rows']);
  assert.equal(done.summary, 'daily');
  // The first 50 readings are also in the xss job's file, with the same values.
  assert.match(await page.textContent('#summary-readings'), /^59,950 inserted,\s+0 updated, 50 unchanged$/);
  assert.equal(navigations, 1, 'one reload, for the summary, after the job finished');
  // Its one attempt, by the worker the test started, with the rows it did.
  assert.deepEqual(await attempts(page), [{ attempt: '1', outcome: 'completed', worker: 'browser-test-worker',
    ended: await attemptEnded(page, 1), processed: '60,000', imported: '60,000', failed: '0', error: '\u2014' }]);
  assert.match(await attemptEnded(page, 1), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+ (s|min \d\d s)\)$/);
  await screenshot(page, 'status.png');

  // ---- Retry the failed job (its retries are spent) with a delay: it is requeued.
  step('retry a failed job');
  await page.goto(`${base}/admin/imports/status/${ids.failed}`);
  assert.equal(await page.textContent('#job-status'), 'failed');
  assert.match(await page.textContent('#retries-spent'), /^0 of 0/);
  assert.match(await page.textContent('#job-error'), /meter identifier/);
  const failedAttempts = await attempts(page);
  assert.equal(failedAttempts.length, 1);
  assert.deepEqual([failedAttempts[0].attempt, failedAttempts[0].outcome, failedAttempts[0].worker],
    ['1', 'failed', 'fixtures']);
  assert.match(failedAttempts[0].error, /^permanent: CSV must include a column containing the meter identifier/);
  await page.fill('#retry-delay', '600');
  await Promise.all([page.waitForURL(`${base}/admin/imports/status/${ids.failed}`, { waitUntil: 'load' }),
                     page.click('#retry-button')]);
  assert.match(await page.textContent('#flash'), /^Requeued \(retry 1 of 1 spent\), to run after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/);
  assert.equal(await page.textContent('#job-status'), 'queued');
  assert.match(await page.textContent('#retries-spent'), /^1 of 1/);
  assert.match(await page.textContent('#next-attempt'), /UTC \(waiting\)$/);
  assert.match(await page.textContent('#last-error'), /meter identifier/, 'the last error is kept');
  assert.equal(await page.locator('#retry-form').count(), 0);
  assert.deepEqual(await attempts(page), failedAttempts, 'an operator\'s retry is not an attempt');

  // ---- Cancel asks first, saying that rows already imported stay; declining cancels nothing.
  step('cancel: the confirmation, declined');
  const statusUrl = `${base}/admin/imports/status/${ids.failed}`;
  dialogAnswer = 'dismiss';
  await page.click('#cancel-button');
  for (const until = Date.now() + 5000; dialogs.length === 0 && Date.now() < until;) {
    await sleep(50);
  }
  await sleep(500);             // a form sent anyway would be loading its answer by now
  dialogAnswer = null;
  assert.equal(dialogs.length, 1, 'no confirmation before cancelling');
  assert.equal(dialogs[0].type, 'confirm');
  assert.match(dialogs[0].message, /^Cancel this import job\? Rows already imported stay in the store/);
  assert.equal(page.url(), statusUrl);
  assert.equal(await page.textContent('#job-status'), 'queued');
  assert.match(await page.textContent('#flash'), /^Requeued/, 'the page was not reloaded');
  await page.reload();
  assert.equal(await page.textContent('#job-status'), 'queued', 'declining the confirmation cancelled the job');
  assert.equal(await page.locator('#cancel-form').count(), 1);
  await page.goto(`${base}/admin/imports/jobs?status=queued`);
  assert.deepEqual(await rowIds(page), [ids.failed]);
  // The counts follow: the big job completed, the failed one requeued.
  const counts = await page.$$eval('#status-counts a', (links) => Object.fromEntries(
    links.map((a) => [a.getAttribute('data-status'), a.querySelector('strong').textContent.trim()])));
  assert.deepEqual(counts, { all: '3', queued: '1', processing: '0', completed: '2', failed: '0', cancelled: '0' });

  // ---- The XSS job's own page.
  step('a job with <script> in its filename and notes');
  await page.goto(`${base}/admin/imports/status/${ids.xss}`);
  assert.equal(await page.textContent('#job-filename'), XSS_FILENAME);
  assert.equal(await page.textContent('#job-notes'), XSS_NOTES);
  assert.match(await page.textContent('#job-metadata'), /<\/pre><script>window\.xssMeta=1<\/script>/);
  assert.equal(await page.title(), `Job ${XSS_FILENAME} · Eclectyc`);
  assert.equal(await page.locator('script').count(), 1, 'only admin.js');
  await noScriptRan(page);

  // ---- Health.
  step('the health page');
  await page.goto(`${base}/admin/health`);
  assert.match(await page.textContent('#health-status'), /^(healthy|degraded|critical)$/);
  assert.match(await page.textContent('#kpi-success-rate'), /^\d[\d,.]* %$/);
  assert.match(await page.textContent('#kpi-avg-duration'), /^\d[\d,.]* s$/);
  // Queue depth counts jobs due now: the requeued job waits 10 minutes.
  assert.equal(await page.textContent('#kpi-queue-depth'), '0');
  assert.equal(await page.textContent('#metric-waiting_retry_count'), '1');
  assert.match(await page.textContent('#kpi-retry-rate'), /^\d[\d,.]* %$/);
  assert.ok(await page.locator('#executions-table tbody tr').count() >= 4, 'the big import\'s aggregations');
  await screenshot(page, 'health.png');

  // ---- Cancel, accepting the confirmation: the job is cancelled.
  step('cancel: the confirmation, accepted');
  await page.goto(`${base}/admin/imports/status/${ids.failed}`);
  dialogAnswer = 'accept';
  await Promise.all([page.waitForURL(`${base}/admin/imports/status/${ids.failed}`, { waitUntil: 'load' }),
                     page.waitForEvent('framenavigated'), page.click('#cancel-button')]);
  await page.waitForSelector('#flash');
  dialogAnswer = null;
  assert.equal(dialogs.length, 2);
  assert.equal(await page.textContent('#flash'), 'Cancelled.');
  assert.equal(await page.textContent('#job-status'), 'cancelled');

  // ---- Sign out.
  step('sign out');
  await Promise.all([page.waitForURL(`${base}/admin/login`), page.click('.signout button')]);
  await page.goto(`${base}/admin/health`);
  assert.match(page.url(), /\/admin\/login\?next=%2Fadmin%2Fhealth$/);

  assert.deepEqual(problems, [], 'console errors, page errors or dialogs');
}

let failed = false;
try {
  await main();
  console.log('web admin browser test: passed');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.stack || e}`);
  if (problems.length) {
    console.error(`browser problems:\n  ${problems.join('\n  ')}`);
  }
  if (workerOutput) {
    console.error(`worker output:\n${workerOutput}`);
  }
  try {
    const page = context?.pages()[0];
    if (page) {
      await screenshot(page, 'failure.png');
    }
  } catch (ignored) {
    // no screenshot of the failure
  }
} finally {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    worker.kill('SIGTERM');
  }
  await context?.close().catch(() => {});
  if (profile) {
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`screenshots (${screenshots.length}) in ${out}:`);
  for (const file of screenshots) {
    console.log(`  ${file}`);
  }
}
process.exit(failed ? 1 : 0);
