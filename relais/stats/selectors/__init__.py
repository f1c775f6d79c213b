"""The figures of each audience, read from the domain apps' tables with SQL aggregation
(plus the anonymous counts the retention purge left, through the domain selectors that
already add them back). Pages, exports, the council report, share links, open data and the
JSON answers all call these and nothing else: one source for every figure."""
