#!/usr/bin/python3
"""Runs the HTTP/2 conformance cases (cases.py) and the flood cases (floods.py) against one server.

    /usr/bin/python3 run.py --host 127.0.0.1 --port N [--tls] [--path /] [--large-path P] [--only PATTERN] [--skip PATTERN]
                            [--no-floods] [--json FILE|-] [--timeout 1.0] [--budget 120] [--list]

One line per case: PASS|FAIL <id> <title> [: expected X, got Y]. Exit status 0 when every case passed, 1 otherwise.
--only/--skip take a regular expression matched against the id (re.search). --json writes a list of
{id, section, title, group, passed, expected, got, sent, detail, seconds} ("-" for stdout, then the PASS/FAIL lines go to stderr).
--list prints "id<TAB>section<TAB>title" for every case without connecting (the Pester file discovers cases with it).
"""

import argparse
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from h2lib import CaseFailure, Conn, Options  # noqa: E402
import cases  # noqa: E402
import floods  # noqa: E402


def all_cases(include_floods=True):
    out = [(c, "conformance") for c in cases.CASES]
    if include_floods:
        out += [(c, "flood") for c in floods.FLOODS]
    return out


def run_one(case, group, opts):
    started = time.monotonic()
    expected = got = detail = None
    passed = False
    c = None
    try:
        if group == "flood":
            detail = case.fn(opts)
        else:
            with Conn(opts) as c:
                if not case.raw:
                    c.handshake(case.settings)
                case.fn(c, opts)
        passed = True
    except CaseFailure as e:
        expected, got = e.expected, e.got
    except Exception as e:  # a bug in the case or a socket error: still one FAIL line, never a crash
        expected, got = "no exception", "%s: %s" % (type(e).__name__, e)
    sent = None
    if not passed and c is not None:
        sent = ", ".join(c.sent[:40]) + (" ..." if len(c.sent) > 40 else "")
    return {"id": case.id, "section": case.section, "title": case.title, "group": group, "passed": passed,
            "expected": expected, "got": got, "sent": sent, "detail": detail,
            "seconds": round(time.monotonic() - started, 3)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (certificate not verified)")
    p.add_argument("--path", default="/", help="a path the server answers with 200 and a body of 16+ octets")
    p.add_argument("--large-path", help="a path answered with a body larger than 65535 octets (flow-control cases)")
    p.add_argument("--authority", help=":authority to send (default host:port)")
    p.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for each expected answer")
    p.add_argument("--budget", type=float, default=120.0,
                   help="seconds for the whole run; cases left when it is spent FAIL as not run (default 120)")
    p.add_argument("--only", help="regex: run only the cases whose id matches")
    p.add_argument("--skip", help="regex: leave out the cases whose id matches")
    p.add_argument("--no-floods", action="store_true", help="leave out the flood cases")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE ('-' for stdout)")
    p.add_argument("--list", action="store_true", help="list the case ids and exit")
    a = p.parse_args(argv)

    selected = []
    for c, group in all_cases(not a.no_floods):
        if a.only and not re.search(a.only, c.id):
            continue
        if a.skip and re.search(a.skip, c.id):
            continue
        selected.append((c, group))

    if a.list:
        for c, group in selected:
            print("%s\t%s\t%s\t%s" % (c.id, group, c.section, c.title))
        return 0
    if a.port is None:
        p.error("--port is required")

    opts = Options(a.host, a.port, a.tls, a.path, a.authority, a.timeout, a.large_path)
    out = sys.stderr if a.json == "-" else sys.stdout
    results = []
    started = time.monotonic()
    for c, group in selected:
        if time.monotonic() - started > a.budget:
            r = {"id": c.id, "section": c.section, "title": c.title, "group": group, "passed": False,
                 "expected": "a result within the run's budget", "got": "not run: %.0fs budget spent" % a.budget,
                 "detail": None, "seconds": 0.0}
        else:
            r = run_one(c, group, opts)
        results.append(r)
        line = "%s %s %s" % ("PASS" if r["passed"] else "FAIL", r["id"], r["title"])
        if not r["passed"]:
            line += " : expected %s, got %s" % (r["expected"], r["got"])
        print(line, file=out, flush=True)
    passed = sum(1 for r in results if r["passed"])
    print("%d/%d passed in %.1fs (%s%s:%d)" % (passed, len(results), time.monotonic() - started,
                                             "https://" if a.tls else "h2c://", a.host, a.port), file=out)
    if a.json:
        text = json.dumps(results, indent=1)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
