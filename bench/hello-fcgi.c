/*
 * hello-fcgi: the floor bench/run measures the API against: the least a
 * libfcgi responder can do (accept, write a small JSON reply, finish).  As
 * plain CGI (started without a FastCGI socket) it answers once and exits,
 * the CGI floor.
 */
#include <stdio.h>

#include <fcgiapp.h>

#define BODY	"{\"hello\":\"world\"}"

static const char reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "\r\n"
    BODY;

int
main(void)
{
	FCGX_Stream	*in, *out, *err;
	FCGX_ParamArray	 envp;

	if (FCGX_IsCGI()) {
		fwrite(reply, 1, sizeof(reply) - 1, stdout);
		return 0;
	}
	while (FCGX_Accept(&in, &out, &err, &envp) >= 0)
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, out);
	return 0;
}
