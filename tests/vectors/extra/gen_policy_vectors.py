#!/usr/bin/env python3
"""Regenerates policies.json: for every session of every example policy in policies/, the SIWE
message the real Lit SDK (through the oracle, ../../../../oracle or $LITCAP_ORACLE) builds from
that session's grant. The grant is read from the .litcap text with a deliberately simple
reader (one `allow` per line), independent of litcap's own parser.

    python3 tests/vectors/extra/gen_policy_vectors.py
"""
import json, os, re, subprocess, sys, pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
ORACLE = pathlib.Path(os.environ.get("LITCAP_ORACLE", ROOT.parent / "oracle"))
FIXED = {
    "walletAddress": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "sessionKeySeed": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "nonce": "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70",
    "now": "2024-09-19T13:07:33.606Z",
    "expiration": "2024-09-19T13:17:33.606Z",
}

def where_to_json(text):
    # `{ key: value, ... }` with bare keys -> JSON
    return json.loads(re.sub(r'([{,]\s*)([A-Za-z_][A-Za-z0-9_-]*)\s*:', r'\1"\2":', text))

def grants_and_sessions(text):
    grants, sessions, cur = {}, [], None
    for line in text.splitlines():
        line = line.split(" #")[0].strip() if not line.strip().startswith("#") else ""
        if m := re.match(r'grant "([^"]+)"', line):
            cur = grants.setdefault(m[1], {"allows": []})
        elif m := re.match(r'session "([^"]+)" from "([^"]+)"', line):
            sessions.append((m[1], m[2])); cur = None
        elif cur is not None and (m := re.match(r'(domain|statement) "(.*)"$', line)):
            cur[m[1]] = m[2]
        elif cur is not None and (m := re.match(r'chain-id (\d+)', line)):
            cur["chainId"] = int(m[1])
        elif cur is not None and (m := re.match(r'allow (\S+) on "([^"]+)"(?: where (.*))?$', line)):
            req = {"resource": m[2], "ability": m[1]}
            if m[3]:
                req["data"] = where_to_json(m[3])
            cur["allows"].append(req)
    return grants, sessions

out = []
for path in sorted((ROOT / "policies").glob("*.litcap")):
    grants, sessions = grants_and_sessions(path.read_text())
    for session, grant in sessions:
        g = grants[grant]
        inp = dict(FIXED, domain=g["domain"], resources=g["allows"])
        if "statement" in g: inp["statement"] = g["statement"]
        if "chainId" in g: inp["chainId"] = g["chainId"]
        res = subprocess.run(["node", "oracle.mjs", "siwe"], cwd=ORACLE, input=json.dumps(inp),
                             capture_output=True, text=True, check=True)
        out.append({"policy": f"policies/{path.name}", "session": session,
                    "input": inp, "expected": json.loads(res.stdout)})
(pathlib.Path(__file__).parent / "policies.json").write_text(json.dumps(out, indent=2) + "\n")
print(f"{len(out)} sessions written", file=sys.stderr)
