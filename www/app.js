// app.js: the demo page's script.  Plain JavaScript on the API of README.md
// from the same origin: the cookies are HttpOnly and the page never sees a
// token; it only calls the routes and shows what they answer.
'use strict';

// The API is mounted where the page is: "/" gives "", "/api/" gives "/api".
const apiBase = location.pathname.replace(/\/[^/]*$/, '');
const pageSize = 5;

const $ = (id) => document.getElementById(id);
let me = null;          // the logged-in user, {id, email, name}, or null
let pageUrl = null;     // the posts page on show
let nextUrl = null;     // its Link rel="next", or null

// request(method, url, body, accept): one call; on a 401 "Unauthorized"
// the access token may only have expired, so GET /authentication/refresh
// once and try again (README, "Sessions and refresh tokens"); other 401s
// (a wrong code) are answers, and sent again would count twice against the
// throttle.  Gives {status, headers, data}: data is the parsed JSON, an
// image as a Blob, or null for an empty body.
async function request(method, url, body, accept, retried) {
	const init = { method, credentials: 'same-origin', headers: {} };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (accept)
		init.headers.Accept = accept;
	const res = await fetch(url, init);
	let data = null;
	if ((res.headers.get('Content-Type') || '').startsWith('image/')) {
		data = await res.blob();
	} else {
		const text = await res.text();
		if (text !== '') {
			try { data = JSON.parse(text); } catch (e) { data = { message: text }; }
		}
	}
	if (res.status === 401 && !retried && data && data.message === 'Unauthorized' &&
	    !/\/authentication\/(log-in|refresh)$/.test(url)) {
		const refreshed = await fetch(apiBase + '/authentication/refresh',
		    { credentials: 'same-origin' });
		if (refreshed.ok)
			return request(method, url, body, accept, true);
	}
	return { status: res.status, headers: res.headers, data };
}

const api = (method, path, body, accept) => request(method, apiBase + path, body, accept);

// The API's error bodies: message is a string or a list of them.
function errorText(reply) {
	const m = reply.data && reply.data.message;
	if (Array.isArray(m))
		return m.join('\n');
	return m || `HTTP ${reply.status}`;
}

function show(id, text) {
	const el = $(id);
	el.textContent = text || '';
	el.hidden = !text;
}

function report(reply) {
	show('notice', '');
	show('error', `${errorText(reply)} (${reply.status})`);
}

// notice(text): shown last, once the page shows what the text reports.
function notice(text) {
	show('error', '');
	show('notice', text);
}

function element(tag, className, text) {
	const el = document.createElement(tag);
	if (className)
		el.className = className;
	if (text !== undefined)
		el.textContent = text;
	return el;
}

function button(text, onClick) {
	const b = element('button', null, text);
	b.type = 'button';
	b.addEventListener('click', onClick);
	return b;
}

function setUser(user) {
	me = user;
	$('logged-out').hidden = !!me;
	$('logged-in').hidden = !me;
	$('whoami').textContent = me ? `Logged in as ${me.name} <${me.email}>.` : 'Not logged in.';
	if (!me) {
		$('me-output').textContent = '';
		$('sessions').replaceChildren();
		endEditing();
		endEnrolment();
		showRecoveryCodes([]);
		$('tfa-off-form').reset();
	}
}

async function welcome(user) {
	setUser(user);
	await loadPosts(pageUrl);
	notice(`Welcome, ${user.name}.`);
}

// Posts: a page of them, and the next one by the Link header.
function nextLink(headers) {
	const link = headers.get('Link') || '';
	const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
	return m ? m[1] : null;
}

async function loadPosts(url) {
	url = url || `${apiBase}/posts?limit=${pageSize}`;
	const reply = await request('GET', url);
	if (reply.status !== 200)
		return report(reply);
	pageUrl = url;
	nextUrl = nextLink(reply.headers);
	$('next-page').disabled = !nextUrl;
	const list = $('posts');
	list.replaceChildren();
	if (reply.data.length === 0)
		list.append(element('li', 'post-author', 'No posts here.'));
	for (const post of reply.data) {
		const li = element('li');
		li.dataset.id = post.id;
		li.append(element('div', 'post-title', post.title),
		    element('div', 'post-content', post.content),
		    element('div', 'post-author', `#${post.id} by ${post.author.name}`));
		if (me && post.author.id === me.id)
			li.append(button('Edit', () => startEditing(post)),
			    button('Delete', () => deletePost(post)));
		list.append(li);
	}
}

const firstPage = () => loadPosts(`${apiBase}/posts?limit=${pageSize}`);
// The page that starts with post ID (after= is the id before it).
const pageAt = (id) => loadPosts(`${apiBase}/posts?limit=${pageSize}&after=${id - 1}`);

function startEditing(post) {
	const form = $('post-form');
	form.elements.id.value = post.id;
	form.elements.title.value = post.title;
	form.elements.content.value = post.content;
	$('post-form-title').textContent = `Edit post #${post.id}`;
	$('post-submit').textContent = 'Save';
	$('post-cancel').hidden = false;
	form.elements.title.focus();
}

function endEditing() {
	const form = $('post-form');
	form.reset();
	form.elements.id.value = '';
	$('post-form-title').textContent = 'Write a post';
	$('post-submit').textContent = 'Publish';
	$('post-cancel').hidden = true;
}

async function deletePost(post) {
	const reply = await api('DELETE', `/posts/${post.id}`);
	if (reply.status !== 200)
		return report(reply);
	await loadPosts(pageUrl);
	// Its page emptied: back to the first one.
	if ($('posts').querySelector('li[data-id]') === null)
		await firstPage();
	notice(`Post #${post.id} deleted.`);
}

async function loadSessions() {
	const reply = await api('GET', '/authentication/sessions');
	if (reply.status !== 200)
		return report(reply);
	const list = $('sessions');
	list.replaceChildren();
	for (const s of reply.data) {
		const li = element('li');
		li.dataset.id = s.id;
		li.append(element('div', null, `${s.userAgent || 'unknown browser'}${s.current ? ' (this one)' : ''}`),
		    element('div', 'session-meta', `since ${s.createdAt}, last used ${s.lastUsedAt}`));
		if (!s.current)
			li.append(button('End this session', () => endSession(s.id)));
		list.append(li);
	}
}

async function endSession(id) {
	const reply = await api('DELETE', `/authentication/sessions/${id}`);
	if (reply.status !== 200)
		return report(reply);
	await loadSessions();
	notice(`Session ${id} ended.`);
}

// Two-factor authentication (README, "Two-factor authentication").
let qrUrl = null;       // the QR code's blob: URL on show, or null

// setSecondFactor(asked): a log-in that waits for its code, or none.
function setSecondFactor(asked) {
	$('second-factor-form').hidden = !asked;
	$('register-form').hidden = asked;
	$('login-form').hidden = asked;
	if (asked)
		$('second-factor-form').elements.code.focus();
	else
		$('second-factor-form').reset();
}

function endEnrolment() {
	if (qrUrl)
		URL.revokeObjectURL(qrUrl);
	qrUrl = null;
	$('tfa-qr').removeAttribute('src');
	$('tfa-qr').hidden = true;
	show('tfa-key', '');
	$('tfa-enrol').hidden = true;
	$('tfa-on-form').reset();
}

function showRecoveryCodes(codes) {
	$('tfa-codes').replaceChildren(...codes.map((c) => element('li', null, c)));
	$('tfa-recovery').hidden = codes.length === 0;
}

// generate(asText): a new secret (the one turn-on will confirm), as a QR
// code to scan or as the key to type into the app.
async function generate(asText) {
	const reply = await api('POST', '/2fa/generate', undefined,
	    asText ? 'application/json' : 'image/png');
	if (reply.status !== 201)
		return report(reply);
	endEnrolment();
	showRecoveryCodes([]);
	if (asText) {
		const m = /[?&]secret=([A-Z2-7]+)/.exec(reply.data.otpauthUrl);
		const key = m ? m[1].replace(/(.{4})(?!$)/g, '$1 ') : '?';
		show('tfa-key', `Key: ${key}\n(time-based, 6 digits, every 30 seconds)\n${reply.data.otpauthUrl}`);
	} else {
		qrUrl = URL.createObjectURL(reply.data);
		$('tfa-qr').src = qrUrl;
		$('tfa-qr').hidden = false;
	}
	$('tfa-enrol').hidden = false;
	$('tfa-on-form').elements.code.focus();
	notice(asText ? 'Type this key into your authenticator app, then the code it shows.'
	    : 'Scan the QR code with your authenticator app, then type the code it shows.');
}

// The code as typed: apps show "123 456".
const codeBody = (form) =>
    ({ twoFactorAuthenticationCode: form.elements.code.value.replace(/\s+/g, '') });

function formBody(form, names) {
	const body = {};
	for (const name of names)
		body[name] = form.elements[name].value;
	return body;
}

// on(id, event, handler): handlers run with the default action stopped
// and any network failure shown like an API error.
function on(id, event, handler) {
	$(id).addEventListener(event, async (e) => {
		e.preventDefault();
		try {
			await handler(e);
		} catch (err) {
			show('notice', '');
			show('error', `The API could not be reached: ${err.message}`);
		}
	});
}

on('register-form', 'submit', async (e) => {
	const reply = await api('POST', '/authentication/register',
	    formBody(e.target, ['email', 'name', 'password']));
	if (reply.status !== 201 && reply.status !== 202)
		return report(reply);
	const login = $('login-form');
	login.elements.email.value = e.target.elements.email.value;
	e.target.reset();
	notice(reply.status === 201 ? `Registered as ${reply.data.email}: you can log in now.`
	    : reply.data.message);
});

on('login-form', 'submit', async (e) => {
	const reply = await api('POST', '/authentication/log-in',
	    formBody(e.target, ['email', 'password']));
	if (reply.status !== 200)
		return report(reply);
	e.target.reset();
	// A user with 2FA on: an empty body, and a session for the code only.
	if (reply.data === null) {
		setSecondFactor(true);
		return notice('One more step: the code from your authenticator app.');
	}
	await welcome(reply.data);
});

on('second-factor-form', 'submit', async (e) => {
	const reply = await api('POST', '/2fa/authenticate', codeBody(e.target));
	if (reply.status !== 200)
		return report(reply);
	setSecondFactor(false);
	await welcome(reply.data);
});

on('second-factor-cancel', 'click', async () => {
	await api('POST', '/authentication/log-out');
	setSecondFactor(false);
	notice('Log-in cancelled.');
});

on('me-button', 'click', async () => {
	const reply = await api('GET', '/authentication');
	if (reply.status !== 200) {
		setUser(null);
		return report(reply);
	}
	setUser(reply.data);
	$('me-output').textContent = JSON.stringify(reply.data, null, 2);
});

on('logout-button', 'click', async () => {
	const reply = await api('POST', '/authentication/log-out');
	if (reply.status !== 200 && reply.status !== 401)
		return report(reply);
	setUser(null);
	await loadPosts(pageUrl);
	notice('Logged out.');
});

on('post-form', 'submit', async (e) => {
	const form = e.target;
	const id = form.elements.id.value;
	const body = formBody(form, ['title', 'content']);
	const reply = id ? await api('PATCH', `/posts/${id}`, body)
	    : await api('POST', '/posts', body);
	if (reply.status !== 200 && reply.status !== 201)
		return report(reply);
	endEditing();
	await pageAt(reply.data.id);
	notice(id ? `Post #${id} saved.` : `Post #${reply.data.id} published.`);
});

on('tfa-generate', 'click', () => generate(false));
on('tfa-generate-text', 'click', () => generate(true));

on('tfa-on-form', 'submit', async (e) => {
	const reply = await api('POST', '/2fa/turn-on', codeBody(e.target));
	if (reply.status !== 200)
		return report(reply);
	endEnrolment();
	showRecoveryCodes(reply.data.recoveryCodes);
	notice('Two-factor authentication is on; your other sessions have ended.');
});

on('tfa-off-form', 'submit', async (e) => {
	const reply = await api('POST', '/2fa/turn-off', codeBody(e.target));
	if (reply.status !== 200)
		return report(reply);
	e.target.reset();
	endEnrolment();
	showRecoveryCodes([]);
	notice('Two-factor authentication is off.');
});

on('post-cancel', 'click', async () => endEditing());
on('sessions-button', 'click', loadSessions);
on('first-page', 'click', firstPage);
on('next-page', 'click', async () => {
	if (nextUrl)
		await loadPosts(nextUrl);
});

// On arrival: who is logged in (a 401 is the plain answer when nobody is),
// and the first page of posts, which anyone may read.
(async () => {
	try {
		const reply = await api('GET', '/authentication');
		setUser(reply.status === 200 ? reply.data : null);
		await firstPage();
	} catch (err) {
		show('error', `The API could not be reached: ${err.message}`);
	}
	document.body.dataset.ready = '1';
})();
