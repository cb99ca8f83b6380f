"""jichi's benchmarks: ``python -m bench import|notifications|search|all``.

Performance is measured here, never in timed unit tests.  Every figure is reported next
to a *baseline measured in the same run on the same machine* (raw ``COPY``, plain
``INSERT``, the bare indexed SQL query), and as the ratio of jichi's cost to that
baseline's, so a figure means the same on a laptop and on a server.  Every run prints a
table and writes its figures as JSON to ``bench/results/``.  See ``docs/performance.md``.
"""
