/*
 * notfound: every path no other program serves.
 *
 * 404 {"statusCode":404,"message":"Cannot GET /path","error":"Not Found"}
 * The web server sends here whatever its route map does not name, so an
 * unknown route gets our JSON error, not the server's HTML page.  The
 * message names the whole path, base included.
 */
#include "app.h"

int
main(void)
{
	return app_main("notfound", NULL, 0);
}
