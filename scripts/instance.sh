# instance.sh: what every start-* script does before its web server starts
# (sourced, not run): settings and their defaults, absolute paths, the JWT
# secret, the database schema.  See scripts/start-lighttpd for the settings.

# fa_settings NAME: fill in the defaults, check them, make the state
# directory and set $instance to this instance's own directory in it.
fa_settings() {
	PORT=${PORT:-8080}
	STATE_DIR=${STATE_DIR:-$top/var}
	PROGRAM_DIR=${PROGRAM_DIR:-$top/build/cgi-bin}
	ADMIN=${ADMIN:-$top/build/admin/fcgi-auth-admin}
	case $PORT in
	''|*[!0-9]*) echo "$1: PORT must be a number, not '$PORT'" >&2; exit 2 ;;
	esac
	# DATABASE_URL (PostgreSQL) replaces DATABASE_PATH (SQLite): the
	# programs get one or the other, never both.
	case ${DATABASE_URL:-} in
	'') DATABASE_URL= ;;
	*'
'*) echo "$1: DATABASE_URL may not hold a newline" >&2; exit 2 ;;
	postgresql://*|postgres://*) DATABASE_PATH= ;;
	*) echo "$1: DATABASE_URL must start with postgresql://" >&2; exit 2 ;;
	esac
	umask 077
	mkdir -p "$STATE_DIR"
	STATE_DIR=$(cd "$STATE_DIR" && pwd)
	# Note a database directory we create, so start-apache may hand it over.
	db_dir_created=
	if [ -z "$DATABASE_URL" ]; then
		DATABASE_PATH=${DATABASE_PATH:-$STATE_DIR/fcgi-auth.sqlite}
		[ -d "$(dirname "$DATABASE_PATH")" ] || db_dir_created=1
		mkdir -p "$(dirname "$DATABASE_PATH")"
		# Absolute paths: servers and programs do not run in this directory.
		DATABASE_PATH=$(cd "$(dirname "$DATABASE_PATH")" && pwd)/$(basename "$DATABASE_PATH")
	fi
	PROGRAM_DIR=$(cd "$PROGRAM_DIR" && pwd)
	# No settings file but FCGI_AUTH_CONFIG's: an installed one must not
	# reach a try-out or a test (the programs, and the admin tool).
	FCGI_AUTH_CONFIG=${FCGI_AUTH_CONFIG:-/dev/null}
	export FCGI_AUTH_CONFIG
	instance=$STATE_DIR/$1-$PORT
	mkdir -p "$instance"
}

# fa_base_path: check BASE_PATH, the URL path the API is served under:
# empty (the root) or /a/path without a trailing slash, of characters that
# need no quoting in a server config or a regular expression.
fa_base_path() {
	BASE_PATH=${BASE_PATH:-}
	case $BASE_PATH in
	'') ;;
	*/|*//*|*[!A-Za-z0-9/~_-]*|[!/]*)
		echo "$(basename "$0"): BASE_PATH must be empty or like /api or /~user/api, not '$BASE_PATH'" >&2
		exit 2 ;;
	esac
}

# fa_secret: unless JWT_SECRET or JWT_SECRET_FILE is given, use
# $STATE_DIR/jwt-secret, creating it (random, mode 0600) on first start.
fa_secret() {
	[ -n "${JWT_SECRET:-}" ] || [ -n "${JWT_SECRET_FILE:-}" ] && return 0
	JWT_SECRET_FILE=$STATE_DIR/jwt-secret
	if [ ! -s "$JWT_SECRET_FILE" ]; then
		# 32 random bytes as 64 hex digits: 256 bits for HS256 (RFC 7518 3.2).
		od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$JWT_SECRET_FILE.$$"
		# -n: if another instance got there first, both use its secret.
		mv -n "$JWT_SECRET_FILE.$$" "$JWT_SECRET_FILE"
		rm -f "$JWT_SECRET_FILE.$$"
		echo "fcgi-auth: created the JWT secret $JWT_SECRET_FILE" >&2
	fi
	chmod 600 "$JWT_SECRET_FILE"
	export JWT_SECRET_FILE
}

# fa_totp_key: unless TOTP_ENCRYPTION_KEY_FILE is given, use
# $STATE_DIR/totp-key, creating it (random, mode 0600) on first start, so
# that two-factor authentication works out of the box (issue 15).
fa_totp_key() {
	[ -n "${TOTP_ENCRYPTION_KEY_FILE:-}" ] && return 0
	TOTP_ENCRYPTION_KEY_FILE=$STATE_DIR/totp-key
	if [ ! -s "$TOTP_ENCRYPTION_KEY_FILE" ]; then
		# 32 random bytes as 64 hex digits: an AES-256 key.
		(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' \
		    >"$TOTP_ENCRYPTION_KEY_FILE.$$")
		mv -n "$TOTP_ENCRYPTION_KEY_FILE.$$" "$TOTP_ENCRYPTION_KEY_FILE"
		rm -f "$TOTP_ENCRYPTION_KEY_FILE.$$"
		echo "fcgi-auth: created the TOTP key $TOTP_ENCRYPTION_KEY_FILE" >&2
	fi
	chmod 600 "$TOTP_ENCRYPTION_KEY_FILE"
	export TOTP_ENCRYPTION_KEY_FILE
}

# The programs' settings a start-* script passes on (README.md, Configuration).
FA_SETTINGS="DATABASE_PATH DATABASE_URL SQLITE_CACHE_SIZE JWT_SECRET_FILE
	JWT_EXPIRATION_TIME JWT_ACCESS_TOKEN_EXPIRATION_TIME
	JWT_REFRESH_TOKEN_EXPIRATION_TIME
	REFRESH_TOKEN_REUSE_INTERVAL SESSION_MAX_LIFETIME SESSIONS_PER_USER_MAX
	AUDIT_RETENTION_DAYS
	BCRYPT_COST COOKIE_SECURE TOKEN_LEEWAY THROTTLE_LOGIN_PER_PAIR
	THROTTLE_LOGIN_PER_ACCOUNT THROTTLE_LOGIN_PER_ADDRESS
	THROTTLE_REGISTER_PER_ADDRESS TRUSTED_PROXY ALLOWED_ORIGINS FRONTEND_URL
	REGISTER_HIDE_EXISTING THROTTLE_IPV6_NETWORK_FACTOR
	POSTS_MAX_PER_USER POSTS_MAX_BYTES_PER_USER THROTTLE_POSTS_PER_USER
	THROTTLE_POSTS_PER_ADDRESS THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT
	THROTTLE_LOGIN_SUCCESS_PER_ADDRESS
	MAIL_COMMAND MAIL_FROM MAIL_TIMEOUT EMAIL_CONFIRMATION_URL
	EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME REQUIRE_CONFIRMED_EMAIL
	THROTTLE_MAIL_PER_EMAIL THROTTLE_MAIL_PER_ADDRESS
	THROTTLE_CONFIRM_PER_ADDRESS PASSWORD_RESET_URL
	PASSWORD_RESET_TOKEN_EXPIRATION_TIME TOTP_ENCRYPTION_KEY_FILE
	TWO_FACTOR_AUTHENTICATION_APP_NAME"

# fa_config_file OUTPUT: write the settings that are set, as the programs'
# config file (NAME=value lines), for servers whose environment they do not
# inherit.  Values are written as they are: the programs read a line's
# value up to its end, so a DATABASE_URL's ':/@?&=' need no escaping (and
# do not go through fa_render's sed).
fa_config_file() {
	{
		echo "# Written by $(basename "$0") for this instance."
		for name in $FA_SETTINGS; do
			eval "value=\${$name:-}"
			if [ -n "$value" ]; then
				printf '%s=%s\n' "$name" "$value"
			fi
		done
	} >"$1"
}

# fa_migrate: create the database or bring its schema up to date.
fa_migrate() {
	"$ADMIN" -d "${DATABASE_URL:-$DATABASE_PATH}" migrate >&2
}

# fa_render TEMPLATE OUTPUT NAME=value...: copy TEMPLATE with each @NAME@
# replaced.  Values go into quoted config strings: refuse any that could
# break out of them.
fa_render() {
	template=$1 output=$2
	shift 2
	script=
	for pair in "$@"; do
		name=${pair%%=*} value=${pair#*=}
		case $value in
		*'"'*|*'\'*|*'|'*|*'&'*|*'
'*)
			echo "fcgi-auth: unusable value for $name: $value" >&2
			exit 2 ;;
		esac
		script="$script
s|@$name@|$value|g"
	done
	sed -e "$script" "$template" >"$output"
}
