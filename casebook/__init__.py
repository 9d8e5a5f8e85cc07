"""casebook: auditable, reproducible decision reports on co-financing cases (förordning 2003:596).

Modules, one job each: ``model`` (case file format), ``reference`` (regionally responsible
actors), ``finance`` (exact arithmetic), ``rules`` (compliance rules), ``formatting``
(Swedish display), ``charts`` (SVG figures), ``report`` (what a case page shows),
``execute`` (papermill), ``pages`` (generated book content), ``build`` (the whole site),
``cli`` (the command line).
"""

__version__ = "0.1.0"
