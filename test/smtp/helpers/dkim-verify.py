"""Verifies DKIM signatures with dkimpy (Debian's python3-dkim), an implementation independent
of transportkit. Reads JSON from stdin: {"records": {"sel._domainkey.example.test": "v=DKIM1; ..."},
"messages": ["<base64 of the message>", ...]}; prints one JSON result per message:
{"ok": bool, "log": "..."}. The public keys come from "records" instead of DNS (dnsfunc)."""
import base64
import io
import json
import logging
import sys

import dkim

request = json.load(sys.stdin)
records = {name.lower().rstrip('.'): value.encode() for name, value in request['records'].items()}


def dnsfunc(name, timeout=5):
    key = (name.decode() if isinstance(name, bytes) else name).lower().rstrip('.')
    return records.get(key)


results = []
for encoded in request['messages']:
    stream = io.StringIO()
    logger = logging.getLogger('dkim-verify')
    logger.handlers[:] = [logging.StreamHandler(stream)]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        ok = bool(dkim.verify(base64.b64decode(encoded), logger=logger, dnsfunc=dnsfunc))
    except Exception as error:  # a malformed signature raises instead of returning False
        ok = False
        stream.write('%s: %s\n' % (type(error).__name__, error))
    results.append({'ok': ok, 'log': stream.getvalue()[-2000:]})
print(json.dumps(results))
