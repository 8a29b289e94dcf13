#!/usr/bin/env python3
"""Exports files through a real server for the checks in this folder: starts the binary on
a temporary data folder and a free port, adds a date property and 30 contacts (one named
with a formula), and saves what the API delivers: an XLSX and an XLS export (Record ID,
First Name, Email, Create Date, Renewal Date, Lifecycle Stage), and the CSV export with
the formula guard on and off.

Usage: e2e.py --bin crm-exports --out DIR
Writes DIR/export.xlsx, export.xls, guarded.csv and plain.csv. Standard library only.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FORMULA = '=HYPERLINK("http://evil.example","click")'
PROPERTIES = ["firstname", "email", "createdate", "renewal_date", "lifecyclestage"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def export(self, fmt, out, **extra):
        body = {"exportType": "VIEW", "exportName": "sheet check", "format": fmt,
                "language": "EN", "objectType": "CONTACT", "objectProperties": PROPERTIES,
                "exportInternalValuesOptions": [], **extra}
        task = self.call("POST", "/crm/v3/exports/export/async", body)
        for _ in range(600):
            status = self.call("GET", f"/crm/v3/exports/export/async/tasks/{task['id']}/status")
            if status["status"] in ("COMPLETE", "CANCELED"):
                break
            time.sleep(0.05)
        if status["status"] != "COMPLETE":
            sys.exit(f"the {fmt} export ended {status['status']}: {status}")
        with urllib.request.urlopen(status["result"]) as response, open(out, "wb") as f:
            f.write(response.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    data = tempfile.mkdtemp(prefix="sheet-check-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "wb")
    server = subprocess.Popen([args.bin, "serve", "--data-dir", os.path.join(data, "d"),
                               "--bind", f"127.0.0.1:{port}", "--log-format", "json"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit("the server exited; see " + log.name)
                time.sleep(0.05)
        with open(os.path.join(data, "d", "dev-token")) as f:
            api = Api(base, f.read().strip())
        api.call("POST", "/crm/v3/properties/contacts", {
            "name": "renewal_date", "label": "Renewal Date", "type": "date",
            "fieldType": "date", "groupName": "contactinformation"})
        inputs = [{"properties": {
            "firstname": FORMULA if i == 0 else f"Zoë {i}",
            "email": f"user{i}@example.com",
            "renewal_date": f"2024-02-{(i % 28) + 1:02d}",
            "lifecyclestage": "marketingqualifiedlead"}} for i in range(30)]
        api.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": inputs})
        api.export("XLSX", os.path.join(args.out, "export.xlsx"))
        api.export("XLS", os.path.join(args.out, "export.xls"))
        api.export("CSV", os.path.join(args.out, "guarded.csv"), csvFormulaGuard=True)
        api.export("CSV", os.path.join(args.out, "plain.csv"))
        print(f"e2e: exported 30 contacts to {args.out}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
