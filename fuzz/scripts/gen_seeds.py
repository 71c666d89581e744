#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/seeds/ from the test vectors and example policies.

    python3 fuzz/scripts/gen_seeds.py        (from the repository root)

Seeds are named by the first 12 hex digits of their SHA-256, so re-running is idempotent and
adds only new inputs. Sources:

- siwe_parse:   every SIWE message in tests/vectors/lit/*.json (strings holding the EIP-4361
                preamble) and every message of the spruceid/siwe suite in tests/vectors/siwe/
                (positive and negative parsing cases), and the suite's field objects as JSON.
- authsig_json: every AuthSig object in tests/vectors/lit/*.json, compact and pretty-printed.
- sessionsigs_verify: every SessionSigs map (node URL -> ed25519 session signature) in
                tests/vectors/lit/*.json.
- parse_policy: policies/*.litcap.
- render_diagnostics: every policy in policies/ and tests/golden/ (all three forms; files up to
                8 KiB), after the target's mode byte: the form, and once more with the 66,000
                blanks inserted at the start of the file (one line past column 65,535).
"""
import glob
import hashlib
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
PREAMBLE = " wants you to sign in with your Ethereum account:"
AUTHSIG_KEYS = {"sig", "derivedVia", "signedMessage", "address"}


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha256(data).hexdigest()[:12]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def is_authsig(v):
    return isinstance(v, dict) and AUTHSIG_KEYS <= v.keys()


def walk(v):
    yield v
    if isinstance(v, dict):
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)


def main():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/vectors/lit/*.json"))):
        with open(path) as f:
            doc = json.load(f)
        for v in walk(doc):
            if isinstance(v, str) and PREAMBLE in v:
                put("siwe_parse", v)
            elif is_authsig(v):
                put("authsig_json", json.dumps(v, separators=(",", ":")))
                put("authsig_json", json.dumps(v, indent=2))
                # The SIWE message inside, too.
                if isinstance(v["signedMessage"], str) and PREAMBLE in v["signedMessage"]:
                    put("siwe_parse", v["signedMessage"])
                # Capability AuthSigs embedded in a session signature's signed payload.
                if isinstance(v["signedMessage"], str) and v["signedMessage"].startswith("{"):
                    try:
                        inner = json.loads(v["signedMessage"])
                    except ValueError:
                        inner = None
                    for w in walk(inner):
                        if is_authsig(w):
                            put("authsig_json", json.dumps(w, separators=(",", ":")))
                            if PREAMBLE in w["signedMessage"]:
                                put("siwe_parse", w["signedMessage"])
            elif (
                isinstance(v, dict)
                and v
                and all(is_authsig(x) for x in v.values())
                and all(k.startswith("http") for k in v)
            ):
                put("sessionsigs_verify", json.dumps(v, separators=(",", ":")))
    # SIWE fields as JSON (the `from_fields` mode of siwe_parse).
    for name in ["parsing_positive", "parsing_negative_objects", "verification_positive"]:
        with open(os.path.join(ROOT, "tests/vectors/siwe", name + ".json")) as f:
            doc = json.load(f)
        for case in doc.values():
            fields = case.get("fields", case) if isinstance(case, dict) else None
            if isinstance(fields, dict):
                fields = {k: v for k, v in fields.items() if k != "signature"}
                put("siwe_parse", json.dumps(fields))
    for name in ["parsing_positive", "parsing_negative", "eip1271"]:
        with open(os.path.join(ROOT, "tests/vectors/siwe", name + ".json")) as f:
            doc = json.load(f)
        for case in doc.values():
            msg = case.get("message") if isinstance(case, dict) else case
            if isinstance(msg, str):
                put("siwe_parse", msg)
    for path in sorted(glob.glob(os.path.join(ROOT, "policies/*.litcap"))):
        d = os.path.join(SEEDS, "parse_policy")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(path, os.path.join(d, os.path.basename(path)))

    # The mode byte of render_diagnostics: `% 3` is the form, bit 2 inserts the long run of
    # blanks (at the start: high nibble 0).
    forms = {".litcap": 0, ".litcap.yaml": 1, ".litcap.yml": 1, ".litcap.json": 2}
    paths = glob.glob(os.path.join(ROOT, "policies/*")) + glob.glob(
        os.path.join(ROOT, "tests/golden/*/*.litcap*")
    )
    for path in sorted(paths):
        form = next((m for ext, m in forms.items() if path.endswith(ext)), None)
        if form is None or os.path.getsize(path) > 8192:
            continue
        with open(path, "rb") as f:
            data = f.read()
        put("render_diagnostics", bytes([form]) + data)
        put("render_diagnostics", bytes([form | 4]) + data)


if __name__ == "__main__":
    main()
