"""The decision-makers' dashboard: one self-contained HTML file built from gold, the marts'
definitions, the Dagster instance and the ops tables, with statistical secrecy applied to
every figure it embeds.

``extract`` reads gold into Polars, ``measures`` computes the exact figures of every filter
selection, ``secrecy`` masks them, ``payload`` shapes what the page embeds, ``narratives``
writes the sentences, ``quality`` reads checks, loads and freshness (``plain`` words them for
a director, ``peers`` holds the documented response times of other engines), ``figures`` names and
explains each chart, ``html`` assembles the file and ``build`` ties them together.
"""
