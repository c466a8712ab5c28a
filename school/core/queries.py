"""Small pieces of SQLAlchemy statements that several features' services share."""

from __future__ import annotations


def where_given(query, *conditions):
    """`query` narrowed by `column == value` for each (column, value) whose value is not
    None: a page's optional filters, each applied only when the reader chose it."""
    for column, value in conditions:
        if value is not None:
            query = query.where(column == value)
    return query
