"""Training the desk's retrieval models: data (lay questions, pseudo-queries, hard negatives),
the query-tower fine-tuning of e5 and the learned fusion. Never run by the service or by CI
beyond a tiny smoke sample; the small artefacts it writes live in `artefacts/`."""
