"""codelint: lint public bodies' procurement codes for wording that holds social value back.

The package is the engine: it reads documents, runs rule packs and reports. It knows no
procurement law; that lives in the rule packs and dated data under ``checks/``.
"""

__version__ = "0.1.0"
