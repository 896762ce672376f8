"""Loaded by tests/contract/run (SCHEMATHESIS_HOOKS=hooks).

The bulk imports also take NDJSON (`application/x-ndjson`), for which schemathesis has
no serializer of its own. The spec describes that body as a string (one JSON object a
line), so it is sent as the string's UTF-8 bytes, the way a partner sends a file.
"""

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8")
