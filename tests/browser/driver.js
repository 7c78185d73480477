// driver.js: one headless Chromium for the browser tests (Debian's
// chromium, driven by playwright-core; tests/browser/browser.bash installs
// it and sets NODE_PATH).  Shared by every test that needs a real browser.
'use strict';
const http = require('http');
const { chromium } = require('playwright-core');

// CHROMIUM names the binary; Debian's /usr/bin/chromium is a shell wrapper.
const executable = process.env.CHROMIUM || '/usr/lib/chromium/chromium';

// launch(): the browser, headless.  As root Chromium refuses to start
// with its sandbox (CI runs as root), so it goes without there.
async function launch() {
	const args = ['--disable-dev-shm-usage'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	return chromium.launch({ executablePath: executable, headless: true,
	    args, timeout: 60000 });
}

// serve(port, html): a page of another origin on 127.0.0.1:port, html at
// every path; resolves to the server once it listens.
function serve(port, html) {
	const server = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(html);
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(Number(port), '127.0.0.1', () => resolve(server));
	});
}

module.exports = { launch, executable, serve };
