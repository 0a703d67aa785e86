"""traceboard — 湘乡市重要产品追溯体系建设监管平台.

Packages (README.md, "Layout"): ``data`` (the only code that touches the database and
files), ``metrics``, ``sampling``, ``blacklist`` (domain logic), ``dashboard``
(the Streamlit app) and ``cli`` (the ``traceboard`` command).
"""

__version__ = "0.1.0"
