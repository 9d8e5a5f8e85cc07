"""``casebook export DIR``: the published site as plain files, for any web server.

``_build/html`` is a symbolic link that every publish swings to a new version folder
(``casebook.engine.publish``), and versions share unchanged files as hard links; ``cp -r
_build/html`` copies the link itself, which points nowhere once moved. Export copies the
version the link points to, as real files and folders, under the project's lock so that no
build removes it meanwhile.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from casebook.domain.errors import UserError
from casebook.engine.paths import ProjectPaths
from casebook.engine.publish import project_lock


def export_site(paths: ProjectPaths, target: Path) -> int:
    """Copy the published site into ``target`` (new or empty) as real files; the number of files."""
    target = target if target.is_absolute() else paths.root / target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"{target} finns redan och är inte en tom mapp; välj en ny mapp att exportera till.")
    with project_lock(paths.lock_file, wait=True):
        if not paths.site.exists():
            raise UserError(f"Ingen byggd webbplats i {paths.relative(paths.site)}; bygg den först (make site).")
        site = paths.site.resolve()
        if target.resolve().is_relative_to(site) or site.is_relative_to(target.resolve()):
            raise UserError(f"{target} ligger i webbplatsen eller webbplatsen i den; välj en mapp utanför.")
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(site, target, symlinks=False, dirs_exist_ok=True)
    return sum(1 for path in target.rglob("*") if path.is_file())
