"""Hand-rolled OAuth PLAINTEXT metadata client against a fake MAAS on 127.0.0.1."""

import unittest

import fake_host  # noqa: F401  (puts the payload on sys.path)
from fake_maas import FakeClock, FakeMaas, TOKEN_SECRET
from maas_esxi.metadata import Credentials, MetadataClient, MetadataError, MetadataOffline, oauth_header

FILES = {"/MAAS/metadata/latest/meta-data/local-hostname": b"esxi-01.maas"}


def client_for(maas, **kwargs):
    sleeps = []
    kwargs.setdefault("retry_delays", (1, 1, 1))
    client = MetadataClient(Credentials.from_curtin_config({"reporting": maas.reporting()}),
                            sleep=sleeps.append, **kwargs)
    return client, sleeps


class OAuthHeaderTest(unittest.TestCase):
    def test_plaintext_signature_is_empty_consumer_secret_and_token_secret(self):
        creds = Credentials("http://[2001:db8::2]:5248/MAAS/metadata/status/abc", "ck", "tk", "s/ecret")
        header = oauth_header(creds, 1700000000, "n1")
        self.assertTrue(header.startswith('OAuth realm="", '))
        self.assertIn('oauth_signature_method="PLAINTEXT"', header)
        self.assertIn('oauth_signature="%26s%252Fecret"', header)
        self.assertIn('oauth_timestamp="1700000000"', header)
        self.assertEqual(creds.base_url, "http://[2001:db8::2]:5248/MAAS/metadata/")
        self.assertEqual(creds.rack_host, "2001:db8::2")

    def test_missing_credentials_are_named(self):
        with self.assertRaises(MetadataError) as ctx:
            Credentials.from_curtin_config({"reporting": {"maas": {"endpoint": "http://x/status/1"}}})
        self.assertIn("consumer_key", str(ctx.exception))


class MetadataClientTest(unittest.TestCase):
    def test_get_signs_requests_maas_accepts(self):
        with FakeMaas(FILES) as maas:
            client, _ = client_for(maas)
            self.assertEqual(client.get_text("latest/meta-data/local-hostname"), "esxi-01.maas")
            self.assertEqual(maas.requests[0][2]["oauth_signature"], "&" + TOKEN_SECRET)

    def test_404_is_none_without_retry(self):
        with FakeMaas(FILES) as maas:
            client, sleeps = client_for(maas)
            self.assertIsNone(client.get("latest/user-data"))
            self.assertEqual(sleeps, [])

    def test_clock_skew_is_learned_from_the_date_header(self):
        with FakeMaas(FILES, clock_offset=86400 * 3) as maas:
            client, sleeps = client_for(maas)
            self.assertEqual(client.get_text("latest/meta-data/local-hostname"), "esxi-01.maas")
            self.assertEqual(len(maas.requests), 2)
            self.assertAlmostEqual(client.skew, 86400 * 3, delta=5)

    def test_server_errors_are_retried_then_reported(self):
        with FakeMaas(FILES, fail_first=2) as maas:
            client, sleeps = client_for(maas)
            self.assertEqual(client.get_text("latest/meta-data/local-hostname"), "esxi-01.maas")
            self.assertEqual(sleeps, [1, 1])
        with FakeMaas(FILES, fail_first=10) as maas:
            client, sleeps = client_for(maas)
            with self.assertRaises(MetadataError) as ctx:
                client.get("latest/meta-data/local-hostname")
            self.assertIn("HTTP 503", str(ctx.exception))
            self.assertEqual(len(maas.requests), 4)

    def test_post_event_sends_the_event_as_ascii_json(self):
        with FakeMaas(FILES) as maas:
            client, _ = client_for(maas)
            client.post_event({"event_type": "finish", "origin": "maas-esxi",
                               "name": "maas-esxi/storage", "result": "FAIL",
                               "description": "maas-esxi storage failed: disque d\u00e9j\u00e0 plein",
                               "timestamp": 1})
            event = maas.events[0]
            # a "/" in the name keeps MAAS from failing the deployment (api_twisted.py)
            self.assertEqual(event["name"], "maas-esxi/storage")
            self.assertEqual(event["description"], "maas-esxi storage failed: disque d\u00e9j\u00e0 plein")


class TimeBudgetTest(unittest.TestCase):
    """An unreachable rack controller must cost at most 5 minutes in all."""

    def unreachable_client(self, seconds_per_attempt):
        clock = FakeClock()
        with FakeMaas(FILES) as maas:
            reporting = maas.reporting()  # closed once the block ends: connection refused
        client = MetadataClient(Credentials.from_curtin_config({"reporting": reporting}),
                                sleep=clock.sleep, clock=clock)
        attempts = []
        real_request = client._request

        def request(*args, **kwargs):
            attempts.append(clock())
            clock.sleep(seconds_per_attempt)  # what a socket timeout costs
            return real_request(*args, **kwargs)
        client._request = request
        return client, clock, attempts

    def test_all_requests_share_one_five_minute_budget_then_go_offline(self):
        client, clock, attempts = self.unreachable_client(0)
        start = clock()
        paths = ["latest/meta-data/public-keys", "latest/meta-data/local-hostname",
                 "latest/vendor-data", "latest/user-data"]
        errors = []
        for path in paths:
            with self.assertRaises(MetadataError) as ctx:
                client.get(path)
            errors.append(ctx.exception)
        tried = len(attempts)
        with self.assertRaises(MetadataOffline):
            client.post_event({"event_type": "start", "origin": "maas-esxi", "name": "maas-esxi/x",
                               "description": "x", "timestamp": 1})
        # one budget for all four paths: five minutes in all, not per request -- and used up,
        # not given up early: offline only when the next back-off (at most 30 s) no longer fits
        self.assertLessEqual(clock() - start, 300)
        self.assertGreaterEqual(clock() - start, 300 - 30)
        self.assertTrue(client.offline)
        self.assertIsInstance(errors[-1], MetadataOffline)
        self.assertIn("continuing offline", str(errors[-1]))
        # once offline, no request is even attempted
        self.assertEqual(len(attempts), tried)

    def test_socket_timeouts_count_against_the_budget(self):
        client, clock, attempts = self.unreachable_client(30)
        start = clock()
        for path in ("latest/meta-data/public-keys", "latest/vendor-data", "latest/user-data"):
            with self.assertRaises(MetadataError):
                client.get(path)
        self.assertLessEqual(clock() - start, 300 + 30)
        self.assertTrue(client.offline)


if __name__ == "__main__":
    unittest.main()
