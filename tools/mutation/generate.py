"""Generate the mutants only (mutmut 3.8.1 internals): run from a scratch copy of the repository whose
pyproject.toml has the [tool.mutmut] table of docs/open_data.md; writes mutants/ with one .meta per module."""

import os

from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
store_lines_covered_by_tests()
print(create_mutants(2))
