"""The database: one module per domain's tables, plus the engine and the migrations.

Importing the package registers every table on `Base.metadata` (Alembic compares against it).
"""

from assistant.db.audit import AuditEntry
from assistant.db.base import BEIJING, Base, beijing_today, utcnow
from assistant.db.crawl import CrawlPage, CrawlRun
from assistant.db.engine import libpq_uri, make_engine, session_factory
from assistant.db.faqs import Faq, FaqVersion
from assistant.db.keys import ApiKey
from assistant.db.migrations import migrate
from assistant.db.querylog import Feedback, QueryLog
from assistant.db.workorders import WorkOrder, WorkOrderEvent

__all__ = ["BEIJING", "ApiKey", "AuditEntry", "Base", "CrawlPage", "CrawlRun", "Faq", "FaqVersion", "Feedback",
           "QueryLog", "WorkOrder", "WorkOrderEvent", "beijing_today", "libpq_uri", "make_engine", "migrate", "session_factory", "utcnow"]
