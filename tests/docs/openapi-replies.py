#!/usr/bin/env python3
# openapi-replies: hold doc/openapi.yaml to the replies the bats suites got.
# The lighttpd SQLite suites record every request they make through req()
# (tests/api/helpers.bash) in the build's tests/openapi-replies/
# (tests/api/run-bats); each reply's
# status must be documented for its route and method, its required headers
# present, and its body (JSON Schema 2020-12, python3-jsonschema) of the
# documented shape, or empty where none is.  TAP, one line per documented
# (route, method, status) seen; the documented ones no test reached are
# listed at the end.
#   openapi-replies.py [DOCUMENT [RECORD-DIR]]
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def deref(node, doc, seen=()):
    """NODE with every local $ref replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise ValueError("unresolvable or circular $ref " + ref)
            target = doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return deref(target, doc, seen + (ref,))
        return {k: deref(v, doc, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, doc, seen) for v in node]
    return node


def route_pattern(template):
    """A regex for TEMPLATE under any base path: the shortest base wins."""
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(r"^((?:/[^/?]+)*?)" + body + r"$")


def last_header_block(raw):
    """The final response's headers (curl -D keeps 100 Continue's too)."""
    blocks, current = [], None
    for line in raw.replace("\r", "").split("\n"):
        if line.startswith("HTTP/"):
            current = {}
            blocks.append(current)
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current.setdefault(name.strip().lower(), []).append(value.strip())
    return blocks[-1] if blocks else {}


def check(reply, responses, method):
    """A list of what is wrong with REPLY against RESPONSES (by status)."""
    status = str(reply["status"])
    response = responses.get(status)
    if response is None:
        return ["status %s is not documented" % status]
    problems = []
    headers = last_header_block(reply["headers"])
    for name, header in response.get("headers", {}).items():
        if header.get("required") and name.lower() not in headers:
            problems.append("no %s header" % name)
    body = reply["body"]
    content = response.get("content")
    # A reply the document says may also come without a body (log-in's
    # 200 for a user with two-factor authentication on).
    if body == "" and response.get("x-fcgi-auth-may-be-empty"):
        return problems
    if method == "HEAD" or not content:
        if body != "" and method != "HEAD":
            problems.append("a body where none is documented: %.80r" % body)
        return problems
    kind = (headers.get("content-type") or [""])[0]
    media = kind.split(";", 1)[0].strip().lower()
    if media != "application/json" and media in content:
        # A document served as a file (openapi.yaml): its type is the check.
        return problems
    if media != "application/json":
        problems.append("Content-Type %r, not %s" % (kind, " or ".join(content)))
        return problems
    try:
        value = json.loads(body)
    except ValueError:
        return problems + ["a body that is not JSON: %.80r" % body]
    schema = content["application/json"]["schema"]
    for error in jsonschema.Draft202012Validator(schema).iter_errors(value):
        problems.append("body %s: %s" % ("/".join(map(str, error.absolute_path)) or "(top)",
                                         error.message[:160]))
    if isinstance(value, dict) and "statusCode" in value and value["statusCode"] != reply["status"]:
        problems.append("statusCode %r in a %s reply" % (value["statusCode"], status))
    return problems


def read_records(name):
    """The exchanges req() recorded in NAME (tests/api/helpers.bash): a
    line "METHOD STATUS PATH-BYTES HEADER-BYTES BODY-BYTES", those bytes,
    a newline."""
    with open(name, "rb") as f:
        data = f.read()
    records, at = [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        method, status, *lengths = data[at:end].decode("ascii").split(" ")
        at = end + 1
        fields = []
        for n in map(int, lengths):
            fields.append(data[at:at + n].decode("utf-8", "replace"))
            at += n
        if data[at:at + 1] != b"\n":
            raise ValueError("%s: a record does not end where its lengths say, at byte %d" % (name, at))
        at += 1
        records.append({"method": method, "status": int(status), "path": fields[0],
                        "headers": fields[1], "body": fields[2], "file": os.path.basename(name)})
    return records


def no_route(reply):
    """Is REPLY the 404 of a path that is no route here: the programs'
    "Cannot GET /path", or the web server's own "Not Found" for a path
    outside the base it mounts the API at (basepath.bats)?"""
    if reply["status"] != 404:
        return False
    try:
        message = json.loads(reply["body"]).get("message")
    except (ValueError, AttributeError):
        return False
    return isinstance(message, str) and (message.startswith("Cannot ") or message == "Not Found")


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    document = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "doc", "openapi.yaml")
    record_dir = (sys.argv[2] if len(sys.argv) > 2 else
                  os.path.join(os.environ.get("abs_top_builddir", "."), "tests", "openapi-replies"))
    with open(document, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    doc = dict(doc, paths=deref(doc["paths"], doc),
               **{"x-fcgi-auth-other-replies": deref(doc["x-fcgi-auth-other-replies"], doc)})
    jsonschema.Draft202012Validator.check_schema({"$defs": doc.get("components", {}).get("schemas", {})})

    files = sorted(glob.glob(os.path.join(record_dir, "*.rec"))) if record_dir else []
    replies = []
    for name in files:
        replies += read_records(name)
    if not replies:
        # TAP's skip: automake's TAP driver takes exit status 77 for an error.
        print("1..0 # SKIP no recorded replies in %r (the lighttpd SQLite suites did not run here)"
              % record_dir)
        return 0

    routes = [(template, route_pattern(template), item) for template, item in doc["paths"].items()]
    other = doc["x-fcgi-auth-other-replies"]
    documented = {}
    for template, _, item in routes:
        for method in HTTP_METHODS:
            for status in item.get(method, {}).get("responses", {}):
                documented[(template, method.upper(), status)] = []
    for kind, responses in other.items():
        for status in responses:
            documented[("(" + kind + ")", "*", status)] = []

    documented_keys = set(documented)
    for reply in replies:
        path = reply["path"].split("?", 1)[0]
        method = reply["method"].upper()
        best = None
        for template, pattern, item in routes:
            m = pattern.match(path)
            if m and (best is None or len(m.group(1)) < len(best[2])):
                best = (template, item, m.group(1))
        if best is None or no_route(reply):
            key_route, key_method, responses = "(unknown-path)", "*", other["unknown-path"]
        else:
            template, item = best[0], best[1]
            operation = item.get(method.lower()) or (item.get("get") if method == "HEAD" else None)
            if operation is None and method == "OPTIONS" and "preflight" in other:
                key_route, key_method, responses = "(preflight)", "*", other["preflight"]
            elif operation is None:
                key_route, key_method, responses = "(other-method)", "*", other["other-method"]
            else:
                key_route, key_method = template, method if method != "HEAD" else "GET"
                responses = operation["responses"]
        key = (key_route, key_method, str(reply["status"]))
        problems = check(reply, responses, method)
        documented.setdefault(key, []).append((reply, problems))

    results = [(key, seen) for key, seen in sorted(documented.items()) if seen]
    print("1..%d" % len(results))
    failed = 0
    for n, ((route, method, status), seen) in enumerate(results, 1):
        bad = [(r, p) for r, p in seen if p]
        label = "%s %s %s: %d replies" % (method, route, status, len(seen))
        if not bad:
            print("ok %d - %s" % (n, label))
            continue
        failed += 1
        print("not ok %d - %s, %d not as documented" % (n, label, len(bad)))
        for reply, problems in bad[:3]:
            print("# %s: %s %s -> %s" % (reply["file"], reply["method"], reply["path"][:100], reply["status"]))
            for p in problems[:4]:
                print("#   " + p)
    unseen = sorted(key for key in documented_keys if not documented[key])
    for route, method, status in unseen:
        print("# documented, reached by no test: %s %s %s" % (method, route, status))
    pairs = sum(1 for key in documented_keys if documented[key] and not key[0].startswith("("))
    total = sum(1 for key in documented_keys if not key[0].startswith("("))
    print("# %d replies validated from %d files; %d of %d documented route/method/status triples reached"
          % (len(replies), len(files), pairs, total))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
