"""Operations: the query benchmark (timing harness, physical layouts, history, chart)."""
