"""The condition library: clinical knowledge as data, one YAML file per condition family.

See model.py for what a file holds and library.py for how files are loaded and
cross-checked. The member state (healthsim.state) is the library's only reader
on the hot path; templates, benchmarks and docs read it for figures.
"""

from healthsim.conditions.library import ConditionLibraryError, Library, library
from healthsim.conditions.model import ConditionFamily

__all__ = ["ConditionFamily", "ConditionLibraryError", "Library", "library"]
