// demo.js API OTHER_PORT SHOTS EMAIL PASSWORD: the demo page (www/) as a
// person clicks it, in one headless Chromium: register, log in, who am I,
// the posts page by page, write, edit, delete, the sessions, log out; the
// API's errors on the page; two-factor authentication set up from the
// QR code on screen (read by zbarimg, codes from oathtool: independent of
// our TOTP code), a log-in's second step, turn-off with a recovery code;
// then a page on another port (OTHER_PORT) that tries cookie-carrying
// calls, and a probe that the page's CSP is enforced.
// A screenshot per step into SHOTS.  Prints one JSON object: what was seen.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { request } = require('playwright-core');
const { launch, serve } = require('./driver');

const [api, otherPort, shots, email, password] = process.argv.slice(2);

(async () => {
	// The other origin's page: empty; its calls are run by evaluate below.
	const server = await serve(otherPort,
	    '<!doctype html><title>another origin</title><body>another origin</body>');
	const browser = await launch();
	const seen = { screenshots: [], pageErrors: [], cspConsole: [] };
	let step = 0;
	try {
		const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
		// Every CSP violation the page reports, before its own script runs.
		await context.addInitScript(() => {
			window.cspViolations = [];
			document.addEventListener('securitypolicyviolation', (e) =>
			    window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
		});
		const page = await context.newPage();
		page.setDefaultTimeout(5000);
		page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
		page.on('console', (m) => {
			if (/Content Security Policy/i.test(m.text()))
				seen.cspConsole.push(m.text());
		});

		const shot = async (name, p = page) => {
			const file = `demo-${String(++step).padStart(2, '0')}-${name}.png`;
			await p.screenshot({ path: path.join(shots, file), fullPage: true });
			seen.screenshots.push(file);
		};
		const text = (sel) => page.locator(sel).innerText();
		// until(SEL, RE): wait until SEL's text matches RE; its text.
		const until = async (sel, re) => {
			try {
				await page.waitForFunction(([s, src]) => {
					const el = document.querySelector(s);
					return el && !el.hidden && new RegExp(src).test(el.textContent);
				}, [sel, re.source]);
			} catch (e) {
				throw new Error(`${sel} never matched ${re}: "${await text(sel).catch(() => '?')}"`);
			}
			return text(sel);
		};
		const titles = () => page.locator('#posts .post-title').allInnerTexts();
		const fill = async (form, values) => {
			for (const [name, value] of Object.entries(values))
				await page.fill(`${form} [name=${name}]`, value);
		};

		await page.goto(api + '/');
		await page.waitForSelector('body[data-ready="1"]');
		seen.start = { whoami: await text('#whoami'), titles: await titles() };
		await shot('start');

		await fill('#register-form', { email, name: 'Demo User', password: 'short' });
		await page.click('#register-form button');
		seen.registerError = await until('#error', /password must be longer/);
		await shot('register-error');

		await fill('#register-form', { password });
		await page.click('#register-form button');
		seen.registered = await until('#notice', /Registered as/);
		await shot('registered');

		await fill('#login-form', { email, password: 'not-' + password });
		await page.click('#login-form button');
		seen.loginError = await until('#error', /Wrong credentials/);
		await shot('login-error');

		await fill('#login-form', { password });
		await page.click('#login-form button');
		seen.welcome = await until('#notice', /Welcome/);
		await page.click('#me-button');
		seen.me = JSON.parse(await until('#me-output', /email/));
		seen.whoami = await text('#whoami');
		seen.cookie = await page.evaluate(() => document.cookie);
		await shot('logged-in');

		seen.page1 = await titles();
		await page.click('#next-page');
		await page.waitForFunction((first) =>
		    document.querySelector('#posts .post-title')?.textContent !== first, seen.page1[0]);
		seen.page2 = await titles();
		seen.page2Next = await page.locator('#next-page').isEnabled();
		await shot('posts-page-2');

		await fill('#post-form', { title: '   ', content: 'Blank title' });
		await page.click('#post-submit');
		seen.blankTitleError = await until('#error', /title should not be empty/);
		await shot('post-error');

		await fill('#post-form', { title: 'Hello from the demo', content: 'Written in <b>Chromium</b>' });
		await page.click('#post-submit');
		seen.published = await until('#notice', /published/);
		seen.publishedPage = await titles();
		seen.publishedContent = await page.locator('#posts .post-content').first().innerText();
		seen.buttonsOnOthers = await page.locator('#posts li', { hasText: 'Other' }).locator('button').count();
		await shot('post-written');

		const mine = page.locator('#posts li', { hasText: 'Hello from the demo' });
		await mine.locator('button', { hasText: 'Edit' }).click();
		await fill('#post-form', { title: 'Hello again from the demo' });
		await page.click('#post-submit');
		seen.saved = await until('#notice', /saved/);
		seen.editedPage = await titles();
		await shot('post-edited');

		// A second device logs in as the same user; the page ends it.
		const device = await request.newContext({ userAgent: 'second-device/1.0' });
		const deviceLogin = await device.post(api + '/authentication/log-in',
		    { data: { email, password } });
		seen.deviceLogin = deviceLogin.status();
		await page.click('#sessions-button');
		await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 2);
		seen.sessions = await page.locator('#sessions li').allInnerTexts();
		await shot('sessions');
		await page.locator('#sessions li', { hasText: 'second-device' })
		    .locator('button').click();
		seen.sessionEnded = await until('#notice', /Session \S+ ended/);
		await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 1);
		seen.sessionsAfter = await page.locator('#sessions li').allInnerTexts();
		seen.deviceAfter = (await device.get(api + '/authentication')).status();
		await device.dispose();
		await shot('session-ended');

		// Another origin (same site: another port) in the same browser,
		// so the cookies go with its calls.
		const other = await context.newPage();
		await other.goto(`http://127.0.0.1:${otherPort}/`);
		seen.otherOrigin = await other.evaluate(async (apiUrl) => {
			const attempt = async (p, init) => {
				try {
					const res = await fetch(apiUrl + p, Object.assign({ credentials: 'include' }, init));
					return { status: res.status };
				} catch (e) {
					return { refused: e.name };
				}
			};
			const out = {
				// A "simple" request: no preflight, sent with the cookie.
				plainPost: await attempt('/posts', { method: 'POST',
				    headers: { 'Content-Type': 'text/plain' },
				    body: '{"title":"Forged","content":"Forged"}' }),
				// JSON: the preflight is refused, the POST never sent.
				jsonPost: await attempt('/posts', { method: 'POST',
				    headers: { 'Content-Type': 'application/json' },
				    body: '{"title":"Forged","content":"Forged"}' }),
				read: await attempt('/authentication'),
			};
			document.body.textContent = 'another origin tried: ' + JSON.stringify(out);
			return out;
		}, api);
		await shot('other-origin', other);
		await other.close();

		await page.locator('#posts li', { hasText: 'Hello again from the demo' })
		    .locator('button', { hasText: 'Delete' }).click();
		seen.deleted = await until('#notice', /deleted/);
		seen.deletedPage = await titles();
		await shot('post-deleted');

		// Two-factor authentication: first the key to type (a secret that
		// is never confirmed), then the QR code, read off the screen as a
		// phone would; the code is for that, the last secret.
		await page.click('#tfa-generate-text');
		seen.tfaKey = await until('#tfa-key', /^Key: /);
		await shot('2fa-key');
		await page.click('#tfa-generate');
		await page.waitForFunction(() => {
			const img = document.querySelector('#tfa-qr');
			return !img.hidden && img.complete && img.naturalWidth > 0;
		});
		seen.tfaKeyShown = await page.locator('#tfa-key').isVisible();
		const qrFile = path.join(shots, 'demo-qr-code.png');
		await page.locator('#tfa-qr').screenshot({ path: qrFile });
		// (zbarimg's complaint of no D-Bus on stderr is no concern here.)
		const quiet = { stdio: ['ignore', 'pipe', 'ignore'] };
		seen.tfaQr = execFileSync('zbarimg', ['--raw', '-q', qrFile], quiet).toString().trim();
		await shot('2fa-qr');
		const secret = (/[?&]secret=([A-Z2-7]+)/.exec(seen.tfaQr) || [])[1];
		const totp = (offset) => execFileSync('oathtool', ['--totp', '-b', secret,
		    '-N', `@${Math.floor(Date.now() / 1000) + offset}`], quiet).toString().trim();
		// As tests/api/two-factor.bats: the code must not cross a step's
		// end between here and the server; and each step is good once, so
		// turn-on takes the previous step's and the log-in the current one.
		const freshStep = async () => {
			const left = 30000 - Date.now() % 30000;
			if (left < 3000)
				await new Promise((r) => setTimeout(r, left + 100));
		};
		await freshStep();
		await fill('#tfa-on-form', { code: totp(-30) });
		await page.click('#tfa-on-form button');
		seen.tfaOn = await until('#notice', /is on/);
		seen.recoveryCodes = await page.locator('#tfa-codes li').allInnerTexts();
		await shot('2fa-on');

		await page.click('#logout-button');
		await until('#notice', /Logged out/);
		await fill('#login-form', { email, password });
		await page.click('#login-form button');
		seen.tfaAsked = await until('#notice', /One more step/);
		seen.tfaAskedWhoami = await text('#whoami');
		seen.tfaAskedLoginShown = await page.locator('#login-form').isVisible();
		await shot('2fa-asked');
		await freshStep();
		const now = totp(0);
		await fill('#second-factor-form', { code: String((Number(now) + 1) % 1000000).padStart(6, '0') });
		await page.click('#second-factor-form button[type=submit]');
		seen.tfaWrong = await until('#error', /Wrong authentication code/);
		await shot('2fa-wrong-code');
		await freshStep();
		// Typed as the app shows it, "123 456".
		const code = totp(0);
		await fill('#second-factor-form', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
		await page.click('#second-factor-form button[type=submit]');
		seen.tfaWelcome = await until('#notice', /Welcome/);
		seen.tfaWhoami = await text('#whoami');
		seen.tfaAskedAfter = await page.locator('#second-factor-form').isVisible();
		await shot('2fa-passed');

		await fill('#tfa-off-form', { code: seen.recoveryCodes[3] });
		await page.click('#tfa-off-form button');
		seen.tfaOff = await until('#notice', /is off/);
		seen.recoveryShown = await page.locator('#tfa-recovery').isVisible();
		await shot('2fa-off');

		await page.click('#logout-button');
		seen.loggedOut = await until('#notice', /Logged out/);
		seen.whoamiAfter = await text('#whoami');
		seen.meAfter = await page.evaluate(() => fetch('authentication').then((r) => r.status));
		await shot('logged-out');

		// The flow reported no violation; now prove the CSP is enforced
		// (and that the listener would have seen one): an inline script.
		seen.cspFlow = await page.evaluate(() => window.cspViolations.slice());
		seen.cspConsoleFlow = seen.cspConsole.splice(0);
		seen.inlineRan = await page.evaluate(async () => {
			const s = document.createElement('script');
			s.textContent = 'window.inlineRan = true;';
			document.body.append(s);
			await new Promise((r) => setTimeout(r, 100));
			return window.inlineRan === true;
		});
		seen.cspProbe = await page.evaluate(() => window.cspViolations.slice());
	} finally {
		await browser.close();
		server.close();
	}
	process.stdout.write(JSON.stringify(seen) + '\n');
})().catch((e) => {
	process.stderr.write(`demo.js: ${e.stack || e}\n`);
	process.exit(1);
});
