"""A sentry-sdk transport that keeps the envelopes it is given instead of sending them."""

from sentry_sdk.transport import Transport


class KeepingTransport(Transport):
    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.envelopes: list[bytes] = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope.serialize())
