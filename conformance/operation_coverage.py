"""Which of HubSpot's documented operations this server serves, counted per API.

HubSpot's two SDKs enumerate the operations of each API: the legacy client
(``hubspot-api-client``) has one ``call_api(path, method, …)`` per operation in its
generated API classes, and the dated SDK (``hubspot-sdk``) lists every method with its
HTTP method and path in ``resources/crm/api.md``. This script reads both from the
installed packages, asks the server for each operation's path with ``OPTIONS`` (which
changes nothing: a route answers 405 with its ``Allow`` methods, an unknown path the
"No route" 404), and prints, per API and path family, how many operations are served of
how many HubSpot documents.

Each operation is a check: it passes when served. An operation this server does not
serve must be named in ``NOT_SERVED`` with the reason; one missing from that list fails,
and so does one in that list that is now served (so the list cannot go stale).
"""

import os
import re
import sys
import urllib.error
import urllib.request
from collections import defaultdict

import hubspot
import hubspot_sdk

from checks import Checks, env_or_exit

# The eight APIs counted: legacy SDK package directories and the dated SDK's api.md
# sections that document each.
LEGACY_DIRS = {
    "objects": ["objects", "contacts", "companies", "deals", "tickets"],
    "properties": ["properties"],
    "associations": ["associations/v4"],
    "lists": ["lists"],
    "pipelines": ["pipelines"],
    "schemas": ["schemas"],
    "owners": ["owners"],
    "exports": ["exports"],
}
DATED_SECTIONS = {
    "Objects": "objects",
    "Properties": "properties",
    "Associations": "associations",
    "AssociationsSchema": "associations",
    "Lists": "lists",
    "Pipelines": "pipelines",
    "ObjectSchemas": "schemas",
    "Owners": "owners",
    "Exports": "exports",
}

# Documented operations deliberately not served, with why. Keys are (method, template)
# with every path parameter written `{}`.
NOT_SERVED = {
    ("POST", "/crm/v4/associations/usage/high-usage-report/{}"):
        "a report e-mailed to a HubSpot user; there are no users to mail here",
    ("POST", "/crm/associations/2026-03/usage/high-usage-report/{}"):
        "a report e-mailed to a HubSpot user; there are no users to mail here",
    ("GET", "/crm/lists/2026-03/{}/schedule-conversion"):
        "converting active lists to static ones on a schedule is not built",
    ("PUT", "/crm/lists/2026-03/{}/schedule-conversion"):
        "converting active lists to static ones on a schedule is not built",
    ("DELETE", "/crm/lists/2026-03/{}/schedule-conversion"):
        "converting active lists to static ones on a schedule is not built",
    ("GET", "/crm/lists/2026-03/{}/size-and-edits-history/between"):
        "list size history is not kept",
}

PARAM = re.compile(r"\{[^}]*\}")


def template(path):
    """The path with every parameter as `{}`, and a literal object type in the objects
    family as `{}` too: HubSpot documents `/crm/v3/objects/contacts/…` and
    `/crm/v3/objects/{objectType}/…` as one operation each per object; counted once."""
    path = PARAM.sub("{}", path).rstrip("/")
    for prefix in ("/crm/v3/objects/", "/crm/objects/2026-03/"):
        if path.startswith(prefix):
            rest = path[len(prefix):].split("/", 1)
            path = prefix + "{}" + ("/" + rest[1] if len(rest) > 1 else "")
    return path


def sample_path(template_path):
    """A concrete path for a template: an object type where the objects family expects
    one, an id nothing has elsewhere (OPTIONS never reaches a handler anyway)."""
    parts = template_path.split("/")
    out = []
    for i, part in enumerate(parts):
        if part == "{}":
            before = parts[i - 1] if i else ""
            out.append("contacts" if before in ("objects", "2026-03") else "999999001")
        else:
            out.append(part)
    return "/".join(out)


def legacy_operations():
    root = os.path.join(os.path.dirname(hubspot.__file__), "crm")
    call = re.compile(r'call_api\(\s*"(/[^"]+)",\s*"([A-Z]+)"')
    found = defaultdict(set)
    for api, dirs in LEGACY_DIRS.items():
        for d in dirs:
            for dirpath, _, files in os.walk(os.path.join(root, d)):
                # Deal splits sit under objects in this SDK but are an API of their own
                # (the dated SDK's DealSplits), not counted here.
                if "deal_splits" in dirpath:
                    continue
                for name in files:
                    if not name.endswith("_api.py"):
                        continue
                    with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                        for path, method in call.findall(f.read()):
                            found[api].add((method, template(path)))
    return found


def dated_operations():
    api_md = os.path.join(os.path.dirname(hubspot_sdk.__file__), "resources", "crm", "api.md")
    found = defaultdict(set)
    api = None
    with open(api_md, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                api = DATED_SECTIONS.get(line[3:].strip())
            elif line.startswith("### ") and api is None:
                continue
            match = re.search(r'<code title="([a-z]+) ([^"]+)"', line)
            if match and api:
                found[api].add((match.group(1).upper(), template(match.group(2))))
    return found


def allowed_methods(base_url, token, path):
    """The methods the server serves on `path`, or None when it has no such route."""
    request = urllib.request.Request(base_url + path, method="OPTIONS")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request) as response:
            allow = response.headers.get("Allow", "")
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        if error.code == 404 and "No route for" in body:
            return None
        allow = error.headers.get("Allow", "")
    return {m.strip().upper() for m in allow.split(",") if m.strip()}


def main():
    base_url, token = env_or_exit()
    c = Checks("coverage")
    families = {"legacy": legacy_operations(), "dated": dated_operations()}
    for apis in families.values():
        # Per-record association operations live under the objects path family; count
        # them with associations only, and drop the copies of object operations that the
        # dated SDK also lists in its Associations section (its `search`).
        apis["objects"] = {op for op in apis["objects"] if "/associations" not in op[1]}
        apis["associations"] = {op for op in apis["associations"] if "/associations" in op[1]}
    table = []
    for family, apis in families.items():
        for api in LEGACY_DIRS:
            operations = sorted(apis.get(api, ()), key=lambda op: (op[1], op[0]))
            served = 0
            for method, path in operations:
                methods = allowed_methods(base_url, token, sample_path(path))
                is_served = methods is not None and method in methods
                served += is_served
                reason = NOT_SERVED.get((method, path))

                def check(is_served=is_served, reason=reason, method=method, path=path):
                    if reason is not None:
                        assert not is_served, "now served: take it out of NOT_SERVED"
                        print(f"     not served, documented: {method} {path} ({reason})")
                    else:
                        assert is_served, f"{method} {path} is not served"

                c.check(f"{family} {api}: {method} {path}", check)
            table.append((api, family, served, len(operations)))
    print("\noperations served of those HubSpot's SDKs document:")
    print(f"{'API':<14}{'family':<8}{'served':>8}{'documented':>12}")
    for api, family, served, documented in table:
        print(f"{api:<14}{family:<8}{served:>8}{documented:>12}")
    total_served = sum(row[2] for row in table)
    total = sum(row[3] for row in table)
    print(f"{'all':<14}{'':<8}{total_served:>8}{total:>12}\n")
    c.finish()


if __name__ == "__main__":
    sys.exit(main())
