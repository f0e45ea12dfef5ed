"""Domain logic of the hotline knowledge assistant: retrieval, answers, FAQs (no HTTP)."""
