#!/usr/bin/python3
"""Differential test of `rawnet read -T json` against tshark.

For every packet of each capture, every field rawnet emits must equal what
`tshark -r FILE -T fields -e NAME` prints for it (occurrences joined by ','),
with tshark's checksum validation on and TCP reassembly off (rawnet prints
one packet at a time). A value must be a JSON number exactly when tshark
prints a plain decimal number (names and URIs aside). One tshark run per
capture. Prints TAP lines (ok / not ok with the first differences).

With --complete, a field rawnet emits for some packet of the capture must
also be there in every other packet where tshark prints it (for captures of
well-formed traffic: tshark also prints the fields of a header cut short).

usage: tshark_diff.py [--complete] RAWNET CAPTURE...
"""
import json
import re
import subprocess
import sys

TSHARK_OPTS = [
    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
    "-o", "udp.check_checksum:TRUE", "-o", "tcp.desegment_tcp_streams:FALSE",
]
# Text fields whose values may look like numbers.
TEXT_FIELDS = {"dns.qry.name", "dns.cname", "http.request.uri", "http.request.method",
               "http.request.version", "http.response.version", "http.response.phrase",
               "http.host", "http.user_agent", "http.server", "http.content_type"}
DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class Num(str):
    """A JSON number, kept as the text rawnet wrote."""


def load(line):
    return json.loads(line, parse_int=Num, parse_float=Num)


COMPLETE = False


def check(rawnet, cap, n_test):
    res = subprocess.run([rawnet, "read", "-T", "json", cap], capture_output=True, timeout=120)
    if res.returncode not in (0, 2):
        return False, ["rawnet exited %d: %s" % (res.returncode, res.stderr.decode()[-300:])], 0, 0
    ours = []
    try:
        for line in res.stdout.decode("utf-8").splitlines():
            ours.append(load(line))
    except ValueError as e:
        return False, ["rawnet printed invalid JSON: %s" % e], 0, 0
    keys = sorted({k for o in ours for k in o})
    if not keys:
        return True, [], 0, 0
    cmd = ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,", "-E", "quote=n"] + TSHARK_OPTS
    for k in keys:
        cmd += ["-e", k]
    cmd += ["-e", "frame.encap_type"]
    t = subprocess.run(cmd, capture_output=True, timeout=300)
    theirs = t.stdout.decode("utf-8", "replace").split("\n")
    if theirs and theirs[-1] == "":
        theirs.pop()
    # tshark shows pcapng blocks other than packets (custom blocks) as frames
    # of their own: leave them out, and frame numbers with them.
    rows = [r for r in theirs if r.split("\t")[-1] != ""]
    renumbered = len(rows) != len(theirs)
    theirs = rows
    diffs = []
    if len(theirs) != len(ours):
        diffs.append("packet count: rawnet %d, tshark %d" % (len(ours), len(theirs)))
    compared = 0
    for i, (o, line) in enumerate(zip(ours, theirs)):
        cols = line.split("\t")
        row = dict(zip(keys, cols + [""] * (len(keys) - len(cols))))
        for k, v in o.items():
            if k == "frame.number" and renumbered:
                continue
            tv = row.get(k, "")
            if k == "frame.time_epoch" and tv == "" and v == "0.000000000":
                continue  # a pcapng simple packet block: no time stamp at all
            compared += 1
            if str(v) != tv:
                diffs.append("frame %s %s: rawnet %s, tshark %r" % (o.get("frame.number"), k,
                                                                 json.dumps(v), tv))
            elif not isinstance(v, Num) and DECIMAL.match(tv) and k not in TEXT_FIELDS:
                diffs.append("frame %s %s: %r should be a JSON number" % (o.get("frame.number"), k, v))
            elif isinstance(v, Num) and not DECIMAL.match(tv):
                diffs.append("frame %s %s: %s should be a string" % (o.get("frame.number"), k, v))
        for k in keys if COMPLETE else ():
            if k not in o and row.get(k, "") != "" and not (k == "frame.number" and renumbered):
                diffs.append("frame %s %s: rawnet has none, tshark %r" % (o.get("frame.number"), k,
                                                                         row[k]))
    return not diffs, diffs, len(ours), compared


def main():
    global COMPLETE
    if sys.argv[1] == "--complete":
        COMPLETE = True
        del sys.argv[1]
    rawnet = sys.argv[1]
    failed = 0
    for n, cap in enumerate(sys.argv[2:], 1):
        good, diffs, npk, nf = check(rawnet, cap, n)
        name = "%s: %d packets, %d fields as tshark prints them" % (cap.split("/")[-1], npk, nf)
        if good:
            print("ok %d - %s" % (n, name))
        else:
            failed = 1
            print("not ok %d - %s" % (n, name))
            for d in diffs[:15]:
                print("#   " + d)
            if len(diffs) > 15:
                print("#   ... %d more" % (len(diffs) - 15))
    print("1..%d" % (len(sys.argv) - 2))
    return failed


if __name__ == "__main__":
    sys.exit(main())
