# SPDX-License-Identifier: BSD-3-Clause
"""The REST API answers what api/openapi.yaml says: every documented response of the
running server is checked against its schema (a small validator for the subset of JSON
Schema the description uses), and the description names no path the server lacks."""
import json
import os

import yaml

from conftest import REPO

SPEC = yaml.safe_load(open(os.path.join(REPO, "api", "openapi.yaml")))
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "integer": int, "number": (int, float)}


def resolve(schema):
    while "$ref" in schema:
        node = SPEC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def check(value, schema, where="$"):
    schema = resolve(schema)
    if value is None:
        assert schema.get("nullable"), "%s: null where the schema does not allow it" % where
        return
    t = schema.get("type")
    if t:
        ok = isinstance(value, TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
        assert ok, "%s: %r is not of type %s" % (where, value, t)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r not in %s" % (where, value, schema["enum"])
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            assert k in value, "%s: required member %r missing" % (where, k)
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                check(v, props[k], "%s.%s" % (where, k))
            elif extra is False:
                raise AssertionError("%s: member %r is not in the description" % (where, k))
            elif isinstance(extra, dict):
                check(v, extra, "%s.%s" % (where, k))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(v, schema["items"], "%s[%d]" % (where, i))


def response_schema(path, method, code):
    op = SPEC["paths"][path][method]
    resp = resolve(op["responses"][str(code)])
    return resp["content"]["application/json"]["schema"]


def api(lab, method, path, body=None, token=True):
    """One request from inside the appliance namespace; returns (status, json body)."""
    args = ["curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "-X", method,
            "http://127.0.0.1:8080" + path]
    if token:
        tok = open("/run/dpwan-lab/state/initial-admin-token").read().strip()
        args += ["-H", "Authorization: Bearer " + tok]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data", body]
    r = lab.run("appliance", args, timeout=15)
    text, _, code = r.stdout.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else None)


def test_responses_match_the_description(lab):
    cases = [
        ("get", "/api/v1/status", "/api/v1/status", None, 200, True),
        ("get", "/api/v1/wans", "/api/v1/wans", None, 200, True),
        ("get", "/api/v1/wans/{name}", "/api/v1/wans/wan1", None, 200, True),
        ("get", "/api/v1/wans/{name}", "/api/v1/wans/nosuch", None, 404, True),
        ("get", "/api/v1/status", "/api/v1/status", None, 401, False),
        ("put", "/api/v1/wans/{name}/admin", "/api/v1/wans/wan2/admin", '{"enabled": true}', 200, True),
        ("put", "/api/v1/wans/{name}/admin", "/api/v1/wans/wan2/admin", '{"enabled": "yes"}', 400, True),
        ("put", "/api/v1/wans/{name}/admin", "/api/v1/wans/wan2/admin", '{"enabled": 1, "x": 2}', 400, True),
    ]
    for method, spec_path, path, body, want, token in cases:
        code, doc = api(lab, method.upper(), path, body, token)
        assert code == want, "%s %s: HTTP %d, expected %d: %r" % (method, path, code, want, doc)
        check(doc, response_schema(spec_path, method, code), "%s %s" % (method.upper(), path))


def test_every_documented_path_exists(lab):
    for path in SPEC["paths"]:
        concrete = path.replace("{name}", "wan1")
        method = "PUT" if path.endswith("/admin") else "GET"
        body = '{"enabled": true}' if method == "PUT" else None
        code, _ = api(lab, method, concrete, body) if path != "/metrics" else (None, None)
        if path == "/metrics":
            tok = open("/run/dpwan-lab/state/initial-admin-token").read().strip()
            r = lab.run("appliance", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                      "-H", "Authorization: Bearer " + tok,
                                      "http://127.0.0.1:8080/metrics"], timeout=15)
            code = int(r.stdout)
        assert code == 200, "%s %s: HTTP %s" % (method, concrete, code)
