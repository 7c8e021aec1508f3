"""A MAAS metadata service on 127.0.0.1 that checks OAuth PLAINTEXT like MAAS.

Requests older/newer than 300 s by the server's clock are refused with 401
and the server's Date header (docs/maas-api.md: MAAS rejects signatures older
than 300 s); the clock can be shifted to test skew correction.
"""

import email.utils
import json
import threading
import time

from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import unquote

CONSUMER_KEY = "cKEYcKEYcKEYcKEYcK"
TOKEN_KEY = "tKEYtKEYtKEYtKEYtK"
TOKEN_SECRET = "sSECRETsSECRETsSECRETsSECRETsS12"
SYSTEM_ID = "q2xc7v"


def parse_oauth(header):
    if not header or not header.startswith("OAuth "):
        return None
    params = {}
    for part in header[len("OAuth "):].split(","):
        key, _, value = part.strip().partition("=")
        params[key] = unquote(value.strip('"'))
    return params


class FakeClock(object):
    """Time that moves only when the client sleeps or a request times out."""

    def __init__(self):
        self.now = 1000000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeMaas(object):
    def __init__(self, files, clock_offset=0, fail_first=0):
        self.files = files
        self.clock_offset = clock_offset
        self.fail_first = fail_first
        self.requests = []
        self.events = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def date_time_string(self, timestamp=None):
                return email.utils.formatdate(time.time() + fake.clock_offset, usegmt=True)

            def refuse(self, code, text):
                body = text.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def authorised(self):
                params = parse_oauth(self.headers.get("Authorization"))
                fake.requests.append((self.command, self.path, params))
                if fake.fail_first > 0:
                    fake.fail_first -= 1
                    self.refuse(503, "busy")
                    return False
                if (params is None or params.get("oauth_signature_method") != "PLAINTEXT"
                        or params.get("oauth_consumer_key") != CONSUMER_KEY
                        or params.get("oauth_token") != TOKEN_KEY
                        or params.get("oauth_signature") != "&" + TOKEN_SECRET
                        or not params.get("oauth_nonce")):
                    self.refuse(401, "Authorization Error: bad credentials")
                    return False
                if abs(int(params["oauth_timestamp"]) - (time.time() + fake.clock_offset)) > 300:
                    self.refuse(401, "Authorization Error: Expired timestamp")
                    return False
                return True

            def do_GET(self):
                if not self.authorised():
                    return
                body = fake.files.get(self.path)
                if body is None:
                    self.refuse(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if not self.authorised():
                    return
                if self.path != "/MAAS/metadata/status/%s" % SYSTEM_ID:
                    self.refuse(404, "Not Found")
                    return
                fake.events.append(json.loads(body.decode("utf-8")))
                self.refuse(200, "OK")

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.daemon = True

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d/MAAS/metadata/status/%s" % (self.server.server_address[1], SYSTEM_ID)

    def reporting(self):
        return {"maas": {"type": "webhook", "endpoint": self.endpoint, "consumer_key": CONSUMER_KEY,
                         "token_key": TOKEN_KEY, "token_secret": TOKEN_SECRET}}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def paths(self, method="GET"):
        return [path for m, path, _ in self.requests if m == method]
