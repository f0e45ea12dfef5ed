"""The work-order desk's configuration and classifier, loaded once per process."""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import WorkOrder
from assistant.workorders.classify import Classifier, Path3, Taxonomy, load_examples
from assistant.workorders.deadlines import Calendar, TimeLimits
from assistant.workorders.importer import Mapping

TAXONOMY, LIMITS, CALENDAR, MAPPING, EXAMPLES = ("taxonomy.yaml", "time_limits.yaml", "calendar.yaml",
                                                 "mapping-12345.yaml", "examples.jsonl")


@dataclass
class OrderDesk:
    folder: Path
    encode: Callable[[Sequence[str]], np.ndarray]
    taxonomy: Taxonomy = field(init=False)
    limits: TimeLimits = field(init=False)
    calendar: Calendar = field(init=False)
    mapping: Mapping = field(init=False)
    _classifier: Classifier | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.taxonomy = Taxonomy.load(self.folder / TAXONOMY)
        self.limits = TimeLimits.load(self.folder / LIMITS)
        self.calendar = Calendar.load(self.folder / CALENDAR)
        self.mapping = Mapping.load(self.folder / MAPPING)

    def classifier(self, s: Session) -> Classifier:
        """Built on first use (it encodes every example): the shipped examples plus every order
        staff have confirmed or corrected."""
        with self._lock:
            if self._classifier is None:
                examples = load_examples(self.folder / EXAMPLES) if (self.folder / EXAMPLES).is_file() else []
                self._classifier = Classifier(self.encode, self.taxonomy, examples + confirmed(s))
            return self._classifier

    def learn_confirmed(self, s: Session, order_id: int | None) -> None:
        """Learn an order's confirmed category from the store (another replica's correction).
        Without an order, forget the classifier: it is rebuilt from the store on next use."""
        with self._lock:
            classifier = self._classifier
            if order_id is None:
                self._classifier = None
        if classifier is None or order_id is None:
            return
        order = s.get(WorkOrder, order_id)
        if order is not None and order.category_confirmed:
            classifier.learn([(order.content, (order.category_l1, order.category_l2, order.category_l3))])


def confirmed(s: Session) -> list[tuple[str, Path3]]:
    rows = s.execute(select(WorkOrder.content, WorkOrder.category_l1, WorkOrder.category_l2, WorkOrder.category_l3)
                     .where(WorkOrder.category_confirmed.is_(True)))
    return [(content, (l1, l2, l3)) for content, l1, l2, l3 in rows]
