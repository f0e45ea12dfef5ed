"""Prometheus metrics, in a registry owned by the app (no process-global collectors)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("hotline_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("hotline_request_seconds", "HTTP request latency", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.answers = Counter("hotline_answers_total", "Answers by kind (faq, passages, no_basis)",
                               ["channel", "kind"], registry=self.registry)
        self.faq_hit_ratio = Gauge("hotline_faq_hit_ratio", "Share of answers served from a curated FAQ",
                                   registry=self.registry)
        self.index_version = Gauge("hotline_index_info", "Live index version", ["version"],
                                   registry=self.registry)
        self.dropped_logs = Counter("hotline_query_logs_dropped_total",
                                    "Questions answered but not logged because the database was unreachable",
                                    registry=self.registry)
        self._answered = 0
        self._faq_hits = 0

    def answer(self, channel: str, kind: str) -> None:
        self.answers.labels(channel, kind).inc()
        self._answered += 1
        self._faq_hits += kind == "faq"
        self.faq_hit_ratio.set(self._faq_hits / self._answered)

    def set_index(self, version: str) -> None:
        self.index_version.clear()
        self.index_version.labels(version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
