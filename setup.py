"""Build hook only (the project is declared in pyproject.toml): a wheel carries the reference data and
the catalogue inside the package, as `app/shipped/data` and `app/shipped/catalogue`, so that
`pip install` of the wheel alone runs the service. In the repository they stay at the top
(data/, catalogue/), where they are rebuilt and reviewed; app/settings.py reads whichever is there."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("data", "catalogue")


class BuildPyWithReferenceData(build_py):
    def run(self) -> None:
        super().run()
        # An editable install reads the checkout itself: copying would give two catalogues to edit.
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        for name in SHIPPED:
            self.copy_tree(str(root / name), str(Path(self.build_lib) / "app" / "shipped" / name))


setup(cmdclass={"build_py": BuildPyWithReferenceData})
