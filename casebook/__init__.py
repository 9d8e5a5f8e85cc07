"""casebook: auditable, reproducible decision reports on co-financing cases (förordning 2003:596).

Three layers; imports go one way only (engine → render → domain), checked by import-linter:

- ``casebook.domain``: the case file format (``model``), reference data (``reference``),
  exact arithmetic (``finance``), compliance rules (``rules``), Swedish display
  (``formatting``), user errors (``errors``) and the plain :class:`EvaluatedCase`
  (``evaluation``). No pandas, no IPython, no paths of its own.
- ``casebook.render``: what readers see, computed from evaluated cases: case views
  (``case_view``), charts (``charts``), MyST markup (``markup``), generated pages
  (``pages``), the portfolio (``portfolio``) and open data (``opendata``).
- ``casebook.engine``: running things: the project's paths (``paths``), validation
  (``validate``), execution (``execute``, ``zygote``), the execution cache (``cache``), the
  audit trail (``audit``), the Jupyter Book build (``site``), publishing and the project
  lock (``publish``), the whole site build in stages (``build``) and re-execution checks
  (``verify``).

``casebook.cli`` is the command line.
"""

__version__ = "0.1.0"
