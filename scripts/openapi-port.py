#!/usr/bin/env python3
"""Prints the `#[utoipa::path(...)]` annotation for routes documented the old way, in a hand-written
`platform/src/openapi.json` (a branch made before the document was generated), to paste above each handler.

    git show BRANCH:platform/src/openapi.json > /tmp/old.json
    scripts/openapi-port.py /tmp/old.json post /v1/things/{id}/close

Then register the handler with `.routes(routes!(handler))` instead of `.route(...)`, and replace every body
type written `TODO_...` with the Rust type the handler reads or answers (it derives `utoipa::ToSchema`).
docs/operations.md, "The API document", says the rest.
"""
import json
import sys


def rust_type(schema, required):
    schema = schema or {}
    kind = {"string": "String", "integer": "u64", "boolean": "bool", "number": "f64"}.get(schema.get("type"), "String")
    kind = {"uuid": "uuid::Uuid", "date": "chrono::NaiveDate"}.get(schema.get("format"), kind)
    return kind if required else f"Option<{kind}>"


def body_type(schema):
    if not schema:
        return None
    if "$ref" in schema:
        return "TODO_" + schema["$ref"].split("/")[-1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return "Vec<TODO_%s>" % schema["items"]["$ref"].split("/")[-1]
    if schema.get("type") == "string":
        return "String"
    return "TODO_Type"


def annotation(method, path, op):
    q = lambda s: json.dumps(s, ensure_ascii=False)
    out = [f"#[utoipa::path(\n    {method},\n    path = {q(path)},"]
    if op.get("tags"):
        out.append(f"    tag = {q(op['tags'][0])},")
    out.append(f"    summary = {q(op.get('summary', ''))},")
    if op.get("description"):
        out.append(f"    description = {q(op['description'])},")
    security = op.get("security")
    if security == [] or security is None:
        out.append("    security(()),")
    elif any("apiKey" in s for s in security):
        out.append('    security(("bearer" = []), ("apiKey" = [])),')
    params = op.get("parameters", [])
    if params:
        out.append("    params(")
        for p in params:
            where = {"path": "Path", "query": "Query", "header": "Header"}[p["in"]]
            required = p.get("required", False) or where == "Path"
            extra = f", description = {q(p['description'])}" if p.get("description") else ""
            out.append(f"        ({q(p['name'])} = {rust_type(p.get('schema'), required)}, {where}{extra}),")
        out.append("    ),")
    body = op.get("requestBody")
    if body:
        media, content = next(iter(body["content"].items()))
        if media == "application/json":
            out.append(f"    request_body = {body_type(content.get('schema'))},")
        else:
            out.append(f"    request_body(content = Vec<u8>, content_type = {q(media)}),")
    out.append("    responses(")
    for status, answer in op.get("responses", {}).items():
        if status in ("4XX", "5XX"):
            continue  # added to every operation by platform/src/openapi.rs
        line = f"        (status = {status}, description = {q(answer.get('description', ''))}"
        content = answer.get("content", {})
        if content:
            media, c = next(iter(content.items()))
            kind = "crate::openapi::ErrorBody" if status[0] in "45" else body_type(c.get("schema"))
            line += f", body = {kind}"
            if media != "application/json":
                line += f", content_type = {q(media)}"
        out.append(line + "),")
    out.append("    )\n)]")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    doc_path, method, path = sys.argv[1], sys.argv[2].lower(), sys.argv[3]
    with open(doc_path, encoding="utf-8") as f:
        doc = json.load(f)
    print(annotation(method, path, doc["paths"][path][method]))
