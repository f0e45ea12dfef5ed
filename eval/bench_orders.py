"""Work-order scale: import a synthetic month, classify it, answer the dashboard, render the report.

    python -m eval.bench_orders [--orders 3000] [--month 2026-11] [--database URL] [--keep DIR]

Each stage is timed on its own, against a fresh SQLite file (or --database):
import (parse + write + commit, the previous month too so 环比 has a baseline), classification of
the imported month, the statistics behind the dashboard (GET /v1/orders/stats, one month, every
dimension), the high-frequency issues, and the monthly report (DOCX + XLSX). Prints one JSON object.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from assistant.db import make_engine, migrate, session_factory
from assistant.encoder import OnnxQueryEncoder
from assistant.settings import Settings
from assistant.workorders import handling, hotspots, importer, report, stats
from assistant.workorders.desk import OrderDesk
from eval.workorder_month import generate, write_csv


def _previous(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--database", default="")
    parser.add_argument("--keep", type=Path, help="Write the report files here.")
    args = parser.parse_args()
    settings = Settings()
    out: dict = {"orders": args.orders, "month": args.month}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/orders.sqlite"
        migrate(url)
        sessions = session_factory(make_engine(url))
        encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)
        desk = OrderDesk(settings.workorders_path, encoder)
        files = []
        for month in (_previous(args.month), args.month):
            path = Path(tmp) / f"{month}.csv"
            write_csv(generate(month, args.orders, seed=7), path)
            files.append(path)

        started = time.perf_counter()
        with sessions() as s:
            for path in files:
                parsed = importer.parse_orders(path.read_bytes(), "csv", desk.mapping, desk.limits, desk.calendar)
                importer.import_orders(s, parsed, "bench")
            s.commit()
        out["import_s_per_month"] = round((time.perf_counter() - started) / len(files), 2)

        started = time.perf_counter()
        with sessions() as s:
            desk.classifier(s)
            out["classifier_build_s"] = round(time.perf_counter() - started, 2)
            from sqlalchemy import select

            from assistant.db import WorkOrder
            orders = list(s.scalars(select(WorkOrder)))
            started = time.perf_counter()
            handling.classify(s, desk, orders, "bench")
            s.commit()
        out["classify_ms_per_order"] = round((time.perf_counter() - started) / len(orders) * 1000, 1)

        period = stats.Period.month(int(args.month[:4]), int(args.month[5:]))
        with sessions() as s:
            started = time.perf_counter()
            stats.rates(s, period)
            for dimension in stats.DIMENSIONS:
                stats.breakdown(s, period, dimension)
            stats.daily(s, period)
            out["dashboard_s"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            issues = hotspots.high_frequency(s, period, encoder, settings.calibration.order_group_threshold)
            out["hotspots_s"] = round(time.perf_counter() - started, 2)
            out["top_issue_sizes"] = [i.count for i in issues[:5]]
            started = time.perf_counter()
            figures = report.gather(s, period, report.title_for(period, "month"), encoder,
                                    settings.calibration.order_group_threshold)
            docx, xlsx = report.render_docx(figures), report.render_xlsx(figures)
            out["report_s"] = round(time.perf_counter() - started, 2)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"report-{args.month}.docx").write_bytes(docx)
            (args.keep / f"report-{args.month}.xlsx").write_bytes(xlsx)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
