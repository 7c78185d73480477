// cors.js API ALLOWED_PORT REFUSED_PORT EMAIL PASSWORD: a front end's page
// on another port of 127.0.0.1 calls the API with credentials: "include",
// in one Chromium, from an origin the API lists and from one it does not
// (issue 21).  Prints one JSON object: what each page could read.
'use strict';
const { launch, serve } = require('./driver');

const [api, allowedPort, refusedPort, email, password] = process.argv.slice(2);

// The front end: an empty page; the calls are what its script would run.
const emptyPage = '<!doctype html><title>front end</title>';

// What the front end does: log in, read "who am I", list the posts; and a
// wrong password, to read an error's message.  A call the browser refuses
// gives its error's name instead of a status.
async function front(page, args) {
	return page.evaluate(async ({ api, email, password }) => {
		const call = async (path, init) => {
			try {
				const res = await fetch(api + path,
				    Object.assign({ credentials: 'include' }, init));
				return { status: res.status, body: await res.json() };
			} catch (e) {
				return { refused: e.name };
			}
		};
		const login = (pw) => call('/authentication/log-in', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email, password: pw }),
		});
		const out = {};
		out.wrong = await login('not-' + password);
		out.login = await login(password);
		out.me = await call('/authentication');
		out.posts = await call('/posts');
		return out;
	}, args);
}

(async () => {
	const servers = [await serve(allowedPort, emptyPage), await serve(refusedPort, emptyPage)];
	const browser = await launch();
	const result = {};
	try {
		const context = await browser.newContext();
		for (const [name, port] of [['allowed', allowedPort], ['refused', refusedPort]]) {
			const page = await context.newPage();
			await page.goto(`http://127.0.0.1:${port}/`);
			result[name] = await front(page, { api, email, password });
		}
	} finally {
		await browser.close();
		servers.forEach((s) => s.close());
	}
	process.stdout.write(JSON.stringify(result) + '\n');
})().catch((e) => {
	process.stderr.write(`cors.js: ${e.stack || e}\n`);
	process.exit(1);
});
