"""MAAS metadata service client, signed with OAuth 1.0 PLAINTEXT by hand.

Facts (docs/esxi-first-boot.md): the credentials are curtin's
`reporting.maas` {endpoint, consumer_key, token_key, token_secret}; the
consumer secret is empty; the metadata base URL is `endpoint` cut at
"status/" (IPv6 rack addresses arrive bracketed). Fetching
`latest/user-data` while DEPLOYING is what marks the machine Deployed (MAAS
answers 404 when there is no user-data, after marking it). A status event
whose name has a "/" is only written to the machine's event log; a
top-level "finish"/"FAIL" would fail the deployment
(src/metadataserver/api_twisted.py StatusWorkerService._processMessage), so
our events are always "maas-esxi/...".

The host's clock may be far off at first boot (NTP comes from vendor-data),
so a rejected request is retried with the offset taken from the server's
Date header.

All requests of one client share one time budget (BUDGET_SECONDS, retries,
sleeps and socket timeouts included): an unreachable rack controller costs
first boot at most five minutes, after which the client is offline and
every further request fails at once with MetadataOffline.
"""

import email.utils
import json
import logging
import socket
import time
import uuid

from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlparse
from urllib.request import ProxyHandler, Request, build_opener

LOG = logging.getLogger("maas-esxi")

RETRY_DELAYS = (1, 2, 4, 8, 16, 30, 30, 30, 30, 30)
CLOCK_SKEW_TOLERANCE = 60
BUDGET_SECONDS = 300


class MetadataError(Exception):
    pass


class MetadataOffline(MetadataError):
    """The time budget for talking to MAAS is spent: first boot goes on without MAAS."""


class Credentials(object):
    def __init__(self, endpoint, consumer_key, token_key, token_secret, consumer_secret=""):
        if "status/" not in endpoint:
            raise MetadataError("reporting endpoint %r has no status/ part" % endpoint)
        self.endpoint = endpoint
        self.base_url = endpoint[:endpoint.index("status/")]
        self.consumer_key = consumer_key
        self.token_key = token_key
        self.token_secret = token_secret
        self.consumer_secret = consumer_secret or ""

    @property
    def rack_host(self):
        """The rack controller's address in the status URL (brackets of IPv6 removed).

        MAAS puts the rack the machine booted from there
        (src/maasserver/compose_preseed.py build_metadata_url).
        """
        try:
            return urlparse(self.endpoint).hostname
        except ValueError:
            return None

    @classmethod
    def from_curtin_config(cls, config):
        maas = ((config or {}).get("reporting") or {}).get("maas") or {}
        missing = [k for k in ("endpoint", "consumer_key", "token_key", "token_secret")
                   if not maas.get(k)]
        if missing:
            raise MetadataError("curtin config lacks reporting.maas %s" % ", ".join(missing))
        return cls(maas["endpoint"], maas["consumer_key"], maas["token_key"],
                   maas["token_secret"], maas.get("consumer_secret", ""))


def _enc(value):
    return quote(value, safe="~")


def oauth_header(credentials, timestamp, nonce):
    """Authorization header value for OAuth 1.0 PLAINTEXT (RFC 5849 §3.4.4, §3.5.1)."""
    signature = "%s&%s" % (_enc(credentials.consumer_secret), _enc(credentials.token_secret))
    params = [
        ("oauth_version", "1.0"),
        ("oauth_signature_method", "PLAINTEXT"),
        ("oauth_consumer_key", credentials.consumer_key),
        ("oauth_token", credentials.token_key),
        ("oauth_timestamp", str(int(timestamp))),
        ("oauth_nonce", nonce),
        ("oauth_signature", signature),
    ]
    return 'OAuth realm="", ' + ", ".join('%s="%s"' % (k, _enc(v)) for k, v in params)


class MetadataClient(object):
    def __init__(self, credentials, retry_delays=RETRY_DELAYS, sleep=time.sleep,
                 clock=time.time, timeout=30, budget_seconds=BUDGET_SECONDS):
        self.credentials = credentials
        self.retry_delays = tuple(retry_delays)
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self.budget_seconds = budget_seconds
        self.deadline = clock() + budget_seconds
        self.offline_reason = None
        self.skew = 0
        # No proxies: the rack controller is on the deployment network.
        self.opener = build_opener(ProxyHandler({}))

    def now(self):
        return self.clock() + self.skew

    def remaining(self):
        return self.deadline - self.clock()

    @property
    def offline(self):
        return self.offline_reason is not None

    def _go_offline(self, url, last):
        self.offline_reason = (
            "MAAS did not answer within the %d s budget for metadata requests (last: %s: %s); "
            "continuing offline" % (self.budget_seconds, url, last))
        LOG.error("metadata: %s", self.offline_reason)
        raise MetadataOffline(self.offline_reason)

    def _request(self, url, data=None, content_type=None):
        headers = {"Authorization": oauth_header(self.credentials, self.now(), uuid.uuid4().hex)}
        if content_type:
            headers["Content-Type"] = content_type
        timeout = max(1, min(self.timeout, self.remaining()))
        return self.opener.open(Request(url, data=data, headers=headers), timeout=timeout)

    def _learn_skew(self, err):
        date = err.headers.get("Date") if err.headers is not None else None
        parsed = email.utils.parsedate_tz(date) if date else None
        if parsed is None:
            return
        skew = email.utils.mktime_tz(parsed) - self.clock()
        if abs(skew - self.skew) > CLOCK_SKEW_TOLERANCE:
            LOG.warning("metadata: clock differs from MAAS by %d s; correcting signatures", skew)
            self.skew = skew

    def _call(self, url, data=None, content_type=None):
        """Response body; None on 404. Retries refusals, 5xx and network errors."""
        if self.offline:
            raise MetadataOffline(self.offline_reason)
        last = None
        for delay in self.retry_delays + (None,):
            if self.remaining() <= 0:
                self._go_offline(url, last or "no time left")
            try:
                response = self._request(url, data, content_type)
                try:
                    return response.read()
                finally:
                    response.close()
            except HTTPError as err:
                if err.code == 404:
                    return None
                if err.code in (401, 403):
                    self._learn_skew(err)
                last = "HTTP %d %s" % (err.code, err.reason)
            except (URLError, socket.timeout, OSError) as err:
                last = str(getattr(err, "reason", err))
            if delay is None:
                break
            if delay >= self.remaining():
                self._go_offline(url, last)
            LOG.info("metadata: %s: %s; retrying in %d s", url, last, delay)
            self.sleep(delay)
        raise MetadataError("%s failed after %d attempts: %s"
                            % (url, len(self.retry_delays) + 1, last))

    def get(self, path):
        """GET base_url + path (e.g. 'latest/meta-data/local-hostname')."""
        return self._call(self.credentials.base_url + path)

    def get_text(self, path):
        body = self.get(path)
        return None if body is None else body.decode("utf-8", "replace")

    def post_event(self, event):
        """POST one status event (a dict, see step_events) to MAAS's status endpoint.

        json.dumps escapes non-ASCII: MAAS refuses a payload that is not ASCII
        (src/metadataserver/api_twisted.py StatusHandlerResource.render_POST).
        """
        self._call(self.credentials.endpoint, json.dumps(event).encode("ascii"),
                   "application/json")
